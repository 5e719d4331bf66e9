#!/usr/bin/env node
// The `smsgw` command (npx smsgw …): runs apps/cli from source, so it never needs a build step.
require('./ts-run.cjs');
require('../apps/cli/src/main.ts');
