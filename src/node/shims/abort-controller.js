'use strict';
// For readable-stream: the runtime's AbortController and AbortSignal.
module.exports = { AbortController: internals.AbortController, AbortSignal: internals.AbortSignal };
