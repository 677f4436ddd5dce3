// The Encoding Standard's decoders for everything but UTF-8 (which
// encoding.js decodes with V8's own UTF-8 decoder). Each decoder is the
// standard's handler, fed one byte at a time from a queue that bytes can be
// restored to. No V8 here: text_decoder_fuzz.cc drives it directly.
#include "runtime/api/text_decoder.h"

#include <cstring>
#include <initializer_list>

#include "runtime/api/encoding_tables.h"

namespace verge::runtime::encoding {

namespace {

constexpr int kEnd = -1;  // end-of-queue

// The bytes of one decode call, plus bytes the handler restored to its front.
class Queue {
 public:
  explicit Queue(std::string_view bytes) : bytes_(bytes) {}
  int next() {
    if (restored_count_ > 0) return restored_[--restored_count_];
    if (pos_ < bytes_.size()) return static_cast<unsigned char>(bytes_[pos_++]);
    return kEnd;
  }
  // Restores `bytes`, in order, to the front of the queue (at most three, as
  // the standard's handlers need).
  void restore(std::initializer_list<int> bytes) {
    for (auto it = bytes.end(); it != bytes.begin();) restored_[restored_count_++] = *--it;
  }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
  int restored_[8] = {};
  int restored_count_ = 0;
};

enum class Result { kContinue, kError, kFinished };

bool isAscii(int b) { return b >= 0 && b < 0x80; }

class Output {
 public:
  void push(uint32_t cp) {
    if (cp >= 0x10000) {
      cp -= 0x10000;
      text_.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      text_.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      text_.push_back(static_cast<char16_t>(cp));
    }
  }
  std::u16string take() { return std::move(text_); }
  void reserve(size_t n) { text_.reserve(n); }

 private:
  std::u16string text_;
};

uint32_t lookup(const uint16_t* table, size_t size, long pointer) {
  return pointer >= 0 && static_cast<size_t>(pointer) < size ? table[pointer] : 0;
}

// Index gb18030 ranges code point; 0 for null.
uint32_t gb18030Range(long pointer) {
  if ((pointer > 39419 && pointer < 189000) || pointer > 1237575) return 0;
  if (pointer == 7457) return 0xE7C7;
  // The last range whose pointer is <= pointer.
  size_t lo = 0, hi = kGb18030RangeCount;
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (kGb18030Ranges[mid * 2] <= static_cast<uint32_t>(pointer)) lo = mid;
    else hi = mid;
  }
  return kGb18030Ranges[lo * 2 + 1] + static_cast<uint32_t>(pointer) - kGb18030Ranges[lo * 2];
}

// ---- the handlers (one per encoding family), as the standard writes them ----

Result singleByte(int enc, int b, Output& out) {
  if (b == kEnd) return Result::kFinished;
  if (b < 0x80) {
    out.push(static_cast<uint32_t>(b));
    return Result::kContinue;
  }
  uint16_t cp = kSingleByte[enc * 128 + (b - 0x80)];
  if (cp == 0) return Result::kError;
  out.push(cp);
  return Result::kContinue;
}

// s[0] first, s[1] second, s[2] third.
Result gb18030(int32_t* s, Queue& q, int b, Output& out) {
  int& first = s[0];
  int& second = s[1];
  int& third = s[2];
  if (b == kEnd) {
    if (first == 0 && second == 0 && third == 0) return Result::kFinished;
    first = second = third = 0;
    return Result::kError;
  }
  if (third != 0) {
    if (b < 0x30 || b > 0x39) {
      q.restore({second, third, b});
      first = second = third = 0;
      return Result::kError;
    }
    long pointer = (static_cast<long>(first) - 0x81) * (10 * 126 * 10) + (second - 0x30) * (10 * 126) +
                   (third - 0x81) * 10 + b - 0x30;
    first = second = third = 0;
    uint32_t cp = gb18030Range(pointer);
    if (cp == 0) return Result::kError;
    out.push(cp);
    return Result::kContinue;
  }
  if (second != 0) {
    if (b >= 0x81 && b <= 0xFE) {
      third = b;
      return Result::kContinue;
    }
    q.restore({second, b});
    first = second = 0;
    return Result::kError;
  }
  if (first != 0) {
    if (b >= 0x30 && b <= 0x39) {
      second = b;
      return Result::kContinue;
    }
    int leading = first;
    first = 0;
    long pointer = -1;
    int offset = b < 0x7F ? 0x40 : 0x41;
    if ((b >= 0x40 && b <= 0x7E) || (b >= 0x80 && b <= 0xFE)) pointer = (leading - 0x81) * 190 + (b - offset);
    uint32_t cp = lookup(kIndexGb18030, kIndexGb18030Size, pointer);
    if (cp != 0) {
      out.push(cp);
      return Result::kContinue;
    }
    if (isAscii(b)) q.restore({b});
    return Result::kError;
  }
  if (isAscii(b)) {
    out.push(static_cast<uint32_t>(b));
    return Result::kContinue;
  }
  if (b == 0x80) {
    out.push(0x20AC);
    return Result::kContinue;
  }
  if (b >= 0x81 && b <= 0xFE) {
    first = b;
    return Result::kContinue;
  }
  return Result::kError;
}

// s[0] leading.
Result big5(int32_t* s, Queue& q, int b, Output& out) {
  int& leading_state = s[0];
  if (b == kEnd) {
    if (leading_state == 0) return Result::kFinished;
    leading_state = 0;
    return Result::kError;
  }
  if (leading_state != 0) {
    int leading = leading_state;
    leading_state = 0;
    long pointer = -1;
    int offset = b < 0x7F ? 0x40 : 0x62;
    if ((b >= 0x40 && b <= 0x7E) || (b >= 0xA1 && b <= 0xFE)) pointer = (leading - 0x81) * 157 + (b - offset);
    switch (pointer) {
      case 1133: out.push(0x00CA); out.push(0x0304); return Result::kContinue;
      case 1135: out.push(0x00CA); out.push(0x030C); return Result::kContinue;
      case 1164: out.push(0x00EA); out.push(0x0304); return Result::kContinue;
      case 1166: out.push(0x00EA); out.push(0x030C); return Result::kContinue;
      default: break;
    }
    uint32_t cp = pointer >= 0 && static_cast<size_t>(pointer) < kIndexBig5Size ? kIndexBig5[pointer] : 0;
    if (cp != 0) {
      out.push(cp);
      return Result::kContinue;
    }
    if (isAscii(b)) q.restore({b});
    return Result::kError;
  }
  if (isAscii(b)) {
    out.push(static_cast<uint32_t>(b));
    return Result::kContinue;
  }
  if (b >= 0x81 && b <= 0xFE) {
    leading_state = b;
    return Result::kContinue;
  }
  return Result::kError;
}

// s[0] leading, s[1] jis0212.
Result eucJp(int32_t* s, Queue& q, int b, Output& out) {
  int& leading_state = s[0];
  int& jis0212 = s[1];
  if (b == kEnd) {
    if (leading_state == 0) return Result::kFinished;
    leading_state = 0;
    return Result::kError;
  }
  if (leading_state == 0x8E && b >= 0xA1 && b <= 0xDF) {
    leading_state = 0;
    out.push(static_cast<uint32_t>(0xFF61 - 0xA1 + b));
    return Result::kContinue;
  }
  if (leading_state == 0x8F && b >= 0xA1 && b <= 0xFE) {
    jis0212 = 1;
    leading_state = b;
    return Result::kContinue;
  }
  if (leading_state != 0) {
    int leading = leading_state;
    leading_state = 0;
    uint32_t cp = 0;
    if (leading >= 0xA1 && leading <= 0xFE && b >= 0xA1 && b <= 0xFE) {
      long pointer = (leading - 0xA1) * 94 + b - 0xA1;
      cp = jis0212 ? lookup(kIndexJis0212, kIndexJis0212Size, pointer) : lookup(kIndexJis0208, kIndexJis0208Size, pointer);
    }
    jis0212 = 0;
    if (cp != 0) {
      out.push(cp);
      return Result::kContinue;
    }
    if (isAscii(b)) q.restore({b});
    return Result::kError;
  }
  if (isAscii(b)) {
    out.push(static_cast<uint32_t>(b));
    return Result::kContinue;
  }
  if (b == 0x8E || b == 0x8F || (b >= 0xA1 && b <= 0xFE)) {
    leading_state = b;
    return Result::kContinue;
  }
  return Result::kError;
}

// ISO-2022-JP: s[0] decoder state, s[1] output state, s[2] leading, s[3] output.
enum Iso2022State { kAscii = 0, kRoman, kKatakana, kLeadingByte, kTrailingByte, kEscapeStart, kEscape };

Result iso2022Jp(int32_t* s, Queue& q, int b, Output& out) {
  int& state = s[0];
  int& output_state = s[1];
  int& leading_state = s[2];
  int& output = s[3];
  switch (state) {
    case kAscii:
    case kRoman:
    case kKatakana:
    case kLeadingByte:
      if (b == 0x1B) {
        state = kEscapeStart;
        return Result::kContinue;
      }
      if (b == kEnd) return Result::kFinished;
      if (state == kAscii && b <= 0x7F && b != 0x0E && b != 0x0F) {
        output = 0;
        out.push(static_cast<uint32_t>(b));
        return Result::kContinue;
      }
      if (state == kRoman && b <= 0x7F && b != 0x0E && b != 0x0F) {
        output = 0;
        out.push(b == 0x5C ? 0xA5 : b == 0x7E ? 0x203E : static_cast<uint32_t>(b));
        return Result::kContinue;
      }
      if (state == kKatakana && b >= 0x21 && b <= 0x5F) {
        output = 0;
        out.push(static_cast<uint32_t>(0xFF61 - 0x21 + b));
        return Result::kContinue;
      }
      if (state == kLeadingByte && b >= 0x21 && b <= 0x7E) {
        output = 0;
        leading_state = b;
        state = kTrailingByte;
        return Result::kContinue;
      }
      output = 0;
      return Result::kError;
    case kTrailingByte:
      if (b == 0x1B) {
        state = kEscapeStart;
        return Result::kError;
      }
      state = kLeadingByte;
      if (b >= 0x21 && b <= 0x7E) {
        uint32_t cp = lookup(kIndexJis0208, kIndexJis0208Size, (leading_state - 0x21) * 94 + b - 0x21);
        if (cp == 0) return Result::kError;
        out.push(cp);
        return Result::kContinue;
      }
      return Result::kError;
    case kEscapeStart:
      if (b == 0x24 || b == 0x28) {
        leading_state = b;
        state = kEscape;
        return Result::kContinue;
      }
      if (b != kEnd) q.restore({b});
      output = 0;
      state = output_state;
      return Result::kError;
    case kEscape: {
      int leading = leading_state;
      leading_state = 0;
      int next = -1;
      if (leading == 0x28 && b == 0x42) next = kAscii;
      else if (leading == 0x28 && b == 0x4A) next = kRoman;
      else if (leading == 0x28 && b == 0x49) next = kKatakana;
      else if (leading == 0x24 && (b == 0x40 || b == 0x42)) next = kLeadingByte;
      if (next >= 0) {
        state = output_state = next;
        bool was = output != 0;
        output = 1;
        return was ? Result::kError : Result::kContinue;
      }
      if (b == kEnd) q.restore({leading});
      else q.restore({leading, b});
      output = 0;
      state = output_state;
      return Result::kError;
    }
    default:
      state = kAscii;
      return Result::kError;
  }
}

// s[0] leading.
Result shiftJis(int32_t* s, Queue& q, int b, Output& out) {
  int& leading_state = s[0];
  if (b == kEnd) {
    if (leading_state == 0) return Result::kFinished;
    leading_state = 0;
    return Result::kError;
  }
  if (leading_state != 0) {
    int leading = leading_state;
    leading_state = 0;
    long pointer = -1;
    int offset = b < 0x7F ? 0x40 : 0x41;
    int leading_offset = leading < 0xA0 ? 0x81 : 0xC1;
    if ((b >= 0x40 && b <= 0x7E) || (b >= 0x80 && b <= 0xFC)) pointer = (leading - leading_offset) * 188 + b - offset;
    if (pointer >= 8836 && pointer <= 10715) {
      out.push(static_cast<uint32_t>(0xE000 - 8836 + pointer));
      return Result::kContinue;
    }
    uint32_t cp = lookup(kIndexJis0208, kIndexJis0208Size, pointer);
    if (cp != 0) {
      out.push(cp);
      return Result::kContinue;
    }
    if (isAscii(b)) q.restore({b});
    return Result::kError;
  }
  if (isAscii(b) || b == 0x80) {
    out.push(static_cast<uint32_t>(b));
    return Result::kContinue;
  }
  if (b >= 0xA1 && b <= 0xDF) {
    out.push(static_cast<uint32_t>(0xFF61 - 0xA1 + b));
    return Result::kContinue;
  }
  if ((b >= 0x81 && b <= 0x9F) || (b >= 0xE0 && b <= 0xFC)) {
    leading_state = b;
    return Result::kContinue;
  }
  return Result::kError;
}

// s[0] leading.
Result eucKr(int32_t* s, Queue& q, int b, Output& out) {
  int& leading_state = s[0];
  if (b == kEnd) {
    if (leading_state == 0) return Result::kFinished;
    leading_state = 0;
    return Result::kError;
  }
  if (leading_state != 0) {
    int leading = leading_state;
    leading_state = 0;
    long pointer = -1;
    if (b >= 0x41 && b <= 0xFE) pointer = (leading - 0x81) * 190 + (b - 0x41);
    uint32_t cp = lookup(kIndexEucKr, kIndexEucKrSize, pointer);
    if (cp != 0) {
      out.push(cp);
      return Result::kContinue;
    }
    if (isAscii(b)) q.restore({b});
    return Result::kError;
  }
  if (isAscii(b)) {
    out.push(static_cast<uint32_t>(b));
    return Result::kContinue;
  }
  if (b >= 0x81 && b <= 0xFE) {
    leading_state = b;
    return Result::kContinue;
  }
  return Result::kError;
}

// s[0] error returned.
Result replacement(int32_t* s, int b) {
  if (b == kEnd) return Result::kFinished;
  if (s[0] == 0) {
    s[0] = 1;
    return Result::kError;
  }
  return Result::kFinished;
}

// s[0] leading byte + 1 (0: null), s[1] leading surrogate (0: null).
Result utf16(int32_t* s, Queue& q, int b, bool big_endian, Output& out) {
  int& leading_byte = s[0];
  int& leading_surrogate = s[1];
  if (b == kEnd) {
    if (leading_byte == 0 && leading_surrogate == 0) return Result::kFinished;
    leading_byte = leading_surrogate = 0;
    return Result::kError;
  }
  if (leading_byte == 0) {
    leading_byte = b + 1;
    return Result::kContinue;
  }
  int lead = leading_byte - 1;
  int unit = big_endian ? (lead << 8) + b : (b << 8) + lead;
  leading_byte = 0;
  if (leading_surrogate != 0) {
    int high = leading_surrogate;
    leading_surrogate = 0;
    if (unit >= 0xDC00 && unit <= 0xDFFF) {
      out.push(0x10000 + ((static_cast<uint32_t>(high) - 0xD800) << 10) + (static_cast<uint32_t>(unit) - 0xDC00));
      return Result::kContinue;
    }
    int byte1 = unit >> 8, byte2 = unit & 0xFF;
    if (big_endian) q.restore({byte1, byte2});
    else q.restore({byte2, byte1});
    return Result::kError;
  }
  if (unit >= 0xD800 && unit <= 0xDBFF) {
    leading_surrogate = unit;
    return Result::kContinue;
  }
  if (unit >= 0xDC00 && unit <= 0xDFFF) return Result::kError;
  out.push(static_cast<uint32_t>(unit));
  return Result::kContinue;
}

Result handle(int enc, int32_t* s, Queue& q, int b, Output& out) {
  if (enc < kSingleByteCount) return singleByte(enc, b, out);
  switch (enc) {
    case kGbk:
    case kGb18030: return gb18030(s, q, b, out);
    case kBig5: return big5(s, q, b, out);
    case kEucJp: return eucJp(s, q, b, out);
    case kIso2022Jp: return iso2022Jp(s, q, b, out);
    case kShiftJis: return shiftJis(s, q, b, out);
    case kEucKr: return eucKr(s, q, b, out);
    case kReplacement: return replacement(s, b);
    case kUtf16Be: return utf16(s, q, b, true, out);
    case kUtf16Le: return utf16(s, q, b, false, out);
    case kXUserDefined:
      if (b == kEnd) return Result::kFinished;
      out.push(b < 0x80 ? static_cast<uint32_t>(b) : static_cast<uint32_t>(0xF780 + b - 0x80));
      return Result::kContinue;
    default: return Result::kFinished;
  }
}

}  // namespace

bool decode(int enc, std::string_view bytes, bool fatal, bool flush, int32_t state[8], std::u16string& text) {
  Output out;
  out.reserve(bytes.size());
  Queue q(bytes);
  bool failed = false;
  for (;;) {
    int b = q.next();
    if (b == kEnd && !flush) break;
    Result r = handle(enc, state, q, b, out);
    if (r == Result::kError) {
      if (fatal) {
        failed = true;
        break;
      }
      out.push(0xFFFD);
    } else if (r == Result::kFinished) {
      if (b == kEnd) break;
    }
  }
  if (failed || flush) std::memset(state, 0, 8 * sizeof(int32_t));
  text = out.take();
  return !failed;
}

}  // namespace verge::runtime::encoding
