'use strict';
// The addon built by `node-gyp rebuild` on install (package.json). Loaded by src/dns/batch-udp-socket.ts,
// which falls back to Node's dgram where this throws (not built, not Linux).
module.exports = require('./build/Release/udp_batch.node');
