'use strict';
// Cloudflare's byte-stream extras: IdentityTransformStream (bytes written to
// its writable side come out of its readable side) and FixedLengthStream (the
// same, for a length announced up front: a Response whose body is its
// readable side is sent with that Content-Length). Loads after fetch_api.js.

const { TransformStream, bufferSourceBytes, finishInterface } = internals;

function bytesOfChunk(chunk) {
  const bytes = bufferSourceBytes(chunk);
  if (bytes === undefined) {
    throw new TypeError('This TransformStream is being used as a byte stream, but received an object of non-ArrayBuffer/ArrayBufferView type on its writable side.');
  }
  return bytes;
}

const kFixed = Symbol('FixedLengthStream');

class IdentityTransformStream extends TransformStream {
  // `token`/`expected` are FixedLengthStream's: the byte count to enforce.
  constructor(options = undefined, token = undefined, expected = -1) {
    const limit = token === kFixed ? expected : -1;
    let seen = 0;
    super({
      transform(chunk, controller) {
        const bytes = bytesOfChunk(chunk);
        if (limit >= 0) {
          seen += bytes.byteLength;
          if (seen > limit) throw new TypeError('Attempt to write too many bytes through a FixedLengthStream.');
        }
        if (bytes.byteLength !== 0) controller.enqueue(bytes);
      },
      flush() {
        if (limit >= 0 && seen < limit) throw new TypeError('FixedLengthStream did not see all expected bytes before close().');
      },
    }, undefined, options && options.highWaterMark !== undefined ? { highWaterMark: Number(options.highWaterMark) } : undefined);
  }
}
finishInterface(IdentityTransformStream, 'IdentityTransformStream');

class FixedLengthStream extends IdentityTransformStream {
  constructor(expectedLength, options = undefined) {
    if (arguments.length === 0) throw new TypeError("Failed to construct 'FixedLengthStream': 1 argument required, but only 0 present.");
    const n = Number(expectedLength);
    if (!Number.isInteger(n) || n < 0 || n > Number.MAX_SAFE_INTEGER) {
      throw new RangeError('FixedLengthStream requires a non-negative integer expected length.');
    }
    super(options, kFixed, n);
    internals.setStreamLength(this.readable, n);
  }
}
finishInterface(FixedLengthStream, 'FixedLengthStream');

internals.IdentityTransformStream = IdentityTransformStream;
internals.FixedLengthStream = FixedLengthStream;
