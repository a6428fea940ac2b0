#!/usr/bin/env node
// The `fluxo` command (package.json "bin"): runs the TypeScript CLI in local/cli/ through tsx's API,
// so there is no build step. See `fluxo --help`.
/* global __filename */
const { require: tsxRequire } = require('tsx/cjs/api');

tsxRequire('../cli/main.ts', __filename).main();
