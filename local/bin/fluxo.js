#!/usr/bin/env node
// The `fluxo` command (package.json "bin"): runs the TypeScript CLI in local/tools/cli/ through tsx's API,
// so there is no build step. See `fluxo --help`.
/* global __filename */

// The AWS SDK (loaded for the shared Kafka client) warns about Node 20's support window on every
// start; a command-line tool's output is not the place for it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { require: tsxRequire } = require('tsx/cjs/api');

tsxRequire('../tools/cli/main.ts', __filename).main();
