export { startSimulator, resolveSimulatorConfig, type StartSimulatorOptions, type RunningSimulator } from './start-simulator';
export {
  normalizeConfig,
  normalizeFaults,
  defaultConfig,
  SimulatorConfigError,
  DEFAULT_ACCOUNT,
  type SimulatorConfig,
  type SimulatorConfigInput,
  type SimulatorAccount,
  type Faults,
  type FaultsInput,
  type StatusFault,
  type ReceiptFault,
} from './config/simulator-config';
export { OVERRIDES, applyOverrides, type OverrideName, type Overrides } from './config/overrides';
export { readConfigFile } from './config/config-file';
export { type Delay } from './config/delay';
export { seededRandom, type RandomSource } from './config/random';
export { formatReceiptText, receiptDate, receiptTextSample, MESSAGE_STATE, FINAL_STATS, INTERMEDIATE_STATS, type ReceiptStat, type FinalStat, type IntermediateStat, type ReceiptFields } from './receipts/receipt-text';
export { formatMessageId, type MessageIdFormat, type ReceiptIdRendering } from './ids/message-id';
export { type MoRequest, type MoResult } from './smsc/smsc-server';
export { SimulatorError } from './smsc/simulator-error';
export { type SimulatorStatsSnapshot, type BindType } from './stats/simulator-stats';
