// The receipt text lives in @smsgw/smpp/domain (the SMPP server writes the same receipts).
export { FINAL_STATS, INTERMEDIATE_STATS, MESSAGE_STATE, formatReceiptText, receiptDate, receiptTextSample, type FinalStat, type IntermediateStat, type ReceiptStat, type ReceiptTextFields as ReceiptFields } from '@smsgw/smpp/domain';
