// A SAMPLE prefix → mobile network table for the offline number lookup: a few real number-range
// allocations, to extend (or replace with an MNP/HLR lookup behind NumberLookup). Ranges are the
// regulators' block allocations as published in libphonenumber's carrier data
// (resources/carrier/en/44.txt, from Ofcom's S7 numbering file; 49.txt for Germany; Apache-2.0);
// MCC/MNC are the networks' public codes (UK 234, Germany 262). A number ported to another network
// keeps its range's network here: only an MNP lookup knows better.
// Longest prefix wins, so a sub-range listed beside its block (447717 inside 44771) overrides it.

/** [E.164 prefix without "+", "MCC-MNC", network name] */
export const NETWORK_PREFIXES: ReadonlyArray<readonly [string, string, string]> = [
  // United Kingdom (MCC 234): O2 10, Vodafone 15, Three 20, EE 30, EE (Orange ranges) 33.
  ['447400', '234-20', 'Three'],
  ['447401', '234-20', 'Three'],
  ['447402', '234-20', 'Three'],
  ['447403', '234-20', 'Three'],
  ['447500', '234-15', 'Vodafone'],
  ['447501', '234-15', 'Vodafone'],
  ['447502', '234-15', 'Vodafone'],
  ['447503', '234-15', 'Vodafone'],
  ['44751', '234-10', 'O2'],
  ['44770', '234-10', 'O2'],
  ['44771', '234-10', 'O2'],
  ['447717', '234-15', 'Vodafone'],
  ['44776', '234-15', 'Vodafone'],
  ['44777', '234-15', 'Vodafone'],
  ['447772', '234-33', 'EE (Orange)'],
  ['447773', '234-33', 'EE (Orange)'],
  ['447777', '234-30', 'EE'],
  ['447779', '234-33', 'EE (Orange)'],
  ['44794', '234-30', 'EE'],
  ['44795', '234-30', 'EE'],
  ['447955', '234-10', 'O2'],
  ['447970', '234-33', 'EE (Orange)'],
  ['447973', '234-33', 'EE (Orange)'],
  // Germany (MCC 262): Telekom 01, Vodafone 02, E-Plus (Telefónica) 03, O2 (Telefónica) 07.
  ['49151', '262-01', 'Telekom'],
  ['49160', '262-01', 'Telekom'],
  ['49170', '262-01', 'Telekom'],
  ['49171', '262-01', 'Telekom'],
  ['49175', '262-01', 'Telekom'],
  ['491520', '262-02', 'Vodafone'],
  ['49162', '262-02', 'Vodafone'],
  ['49172', '262-02', 'Vodafone'],
  ['49173', '262-02', 'Vodafone'],
  ['49174', '262-02', 'Vodafone'],
  ['49163', '262-03', 'E-Plus'],
  ['49177', '262-03', 'E-Plus'],
  ['49178', '262-03', 'E-Plus'],
  ['49176', '262-07', 'O2'],
  ['49179', '262-07', 'O2'],
];
