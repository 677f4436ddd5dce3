// Natives of HTMLRewriter (src/js/html_rewriter.js) over the html library's
// streaming rewriter (src/html/rewriter.h). The handlers are JavaScript:
// the JS side writes input, asks for the next handler event, calls the
// handler (awaiting it when it returns a promise) and reads the output.
#pragma once

#include <v8.h>

namespace verge::runtime {

// Adds to `native`:
//   htmlSelectorCheck(selector): throws TypeError "Parser error: …" for a
//     selector HTMLRewriter does not take.
//   htmlRewriterCreate(selectors, elementFlags, documentFlags) → handle:
//     one selector per on() (flags: 1 element, 2 comments, 4 text) and one
//     documentFlags entry per onDocument() (1 doctype, 2 comments, 4 text,
//     8 end). Freed when the handle is collected.
//   htmlWrite(h, bytes), htmlEnd(h): input (bytes as UTF-8 or any
//     ASCII-compatible encoding).
//   htmlNext(h) → [kind, handler, isDocument, elementId] of the next
//     handler to call (kind: 0 element, 1 comments, 2 text, 3 doctype,
//     4 end tag, 5 document end), or [6, 0, false, streamId] when streamed
//     content is due, or null when the input so far is done.
//   htmlOutput(h) → Uint8Array of the output so far (up to streamed
//     content that is due), or null.
//   htmlToken(h, op, a, b, streamId): reads or changes the token of the
//     last event; op is one of html_rewriter.js's OP (the table in the
//     .cc). Content ops insert the string a (b: as HTML), or, with a
//     streamId, a placeholder for a stream read when the output reaches it.
//   htmlStreamWrite(h, bytes) → Uint8Array or null: the output for the
//     next UTF-8 bytes of the due stream (TypeError "Parser error: Invalid
//     UTF-8" for others); htmlStreamEnd(h) → its last bytes, and the
//     rewriter goes on.
void installHtmlRewriterNatives(v8::Isolate* isolate, v8::Local<v8::Context> context, v8::Local<v8::Object> native);

}  // namespace verge::runtime
