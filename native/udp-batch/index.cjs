'use strict';
// The addon that scripts/build-native.mjs builds on install with node-gyp. Loaded by
// src/dns/batch-udp-socket.ts, which falls back to Node's dgram where this throws (not built, not Linux).
module.exports = require('./build/Release/udp_batch.node');
