/** Set in the turn that carries an agent's message, so the transcript records it as the agent's. */
export const AGENT_TURN_KEY = Symbol('handoff.agent');
