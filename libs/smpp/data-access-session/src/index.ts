// SMPP sessions over node-smpp: one CarrierSession per bind, a CarrierSessionPool per carrier.
export * from './carrier-session';
export * from './carrier-session-pool';
