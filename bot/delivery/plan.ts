import type { Config } from '../config';
import type { PlannedDelivery } from '../store/deliveries';
import type { Ticket } from '../tickets/ticket';
import { isEmailAddress } from '../emailAddress';


/** The help desk address of a department: its own if configured, else TICKET_EMAIL_TO. */
export function helpDeskAddress(config: Config, department: string): string | undefined {
  return config.TICKET_EMAIL_DEPARTMENTS.get(department) ?? config.TICKET_EMAIL_TO;
}

/** Where each new ticket goes, from the configuration: the help desk's email, the webhook, the customer's acknowledgement. */
export function deliveryPlan(config: Config): (ticket: Ticket) => PlannedDelivery[] {
  return (ticket) => {
    const planned: PlannedDelivery[] = [];
    const to = helpDeskAddress(config, ticket.department);
    if (config.SMTP_URL && to) planned.push({ kind: 'email', target: to });
    if (config.TICKET_WEBHOOK_URL) planned.push({ kind: 'webhook', target: config.TICKET_WEBHOOK_URL });
    const customer = ticket.fields.account_email;
    if (config.SMTP_URL && config.TICKET_ACK_EMAIL && isEmailAddress(customer)) planned.push({ kind: 'acknowledgement', target: customer });
    return planned;
  };
}

/** Departments the configuration names that the rules do not have: a typo would send nothing there. */
export function unknownDepartments(config: Config, departments: readonly string[]): string[] {
  return [...config.TICKET_EMAIL_DEPARTMENTS.keys()].filter((d) => !departments.includes(d));
}
