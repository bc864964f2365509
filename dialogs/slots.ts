import type { FieldDef } from '../rules/schema';

const compiled = new WeakMap<FieldDef, Array<{ re: RegExp; value?: string }>>();

function rules(def: FieldDef): Array<{ re: RegExp; value?: string }> {
  let list = compiled.get(def);
  if (!list) {
    list = def.extract.map((r) => ({ re: new RegExp(r.when, 'iu'), ...(r.value ? { value: r.value } : {}) }));
    compiled.set(def, list);
  }
  return list;
}

/**
 * The field values a message volunteers, by field name, from each field's `extract` rules (the first rule
 * that matches wins): "I'm at home, no VPN" gives ip_place Home and vpn No. They are candidates: the
 * field's validator still has the last word when the flow gets to it.
 */
export function extractSlots(fields: ReadonlyMap<string, FieldDef>, text: string): Record<string, string> {
  const found: Record<string, string> = {};
  const t = text.slice(0, 5000);
  for (const [name, def] of fields) {
    for (const rule of rules(def)) {
      const m = rule.re.exec(t);
      const value = rule.value ?? m?.[1];
      if (m && value) { found[name] = value.trim(); break; }
    }
  }
  return found;
}
