export { encode, count } from './lib/encode';
export { decode, reassemble, parseUserDataHeader, encodingOfDataCoding } from './lib/decode';
export { packSeptets, unpackSeptets } from './lib/septet-packing';
export { replaceLookAlikes } from './lib/smart-encoding';
export { NATIONAL_LANGUAGES } from './lib/gsm-tables';
export { ConcatReferenceAllocator, type ConcatReferenceAllocatorOptions } from './lib/concat-reference-allocator';
export { EncodingError, type EncodingErrorCode } from './lib/encoding-error';
export type {
  Concatenation,
  ConcatInfo,
  DecodedSegment,
  DecodeOptions,
  EncodedMessage,
  EncodeOptions,
  EncodingName,
  InformationElement,
  MessageCount,
  NationalLanguage,
  NationalShift,
  Replacement,
  SarParameters,
  Segment,
} from './lib/types';
