'use strict';
// node:stream: the `readable-stream` npm package (MIT; Node 18's stream
// implementation): Stream, Readable, Writable, Duplex, Transform,
// PassThrough, pipeline, finished, compose, addAbortSignal and
// stream.promises.
module.exports = require('readable-stream/lib/stream.js');
