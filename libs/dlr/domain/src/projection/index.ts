// The status projection's decisions, pure: the status store folds a batch with these, reads the
// rows it locked, decides here and writes the result.
export * from './segment';
export * from './fold-reports';
export * from './fold-receipts';
export * from './decide';
