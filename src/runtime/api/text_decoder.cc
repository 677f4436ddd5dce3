// The Encoding Standard's decoders for everything but UTF-8 (which
// encoding.js decodes with V8's own UTF-8 decoder). Each decoder is the
// standard's handler, fed one byte at a time from a queue that bytes can be
// restored to. No V8 here: text_decoder_fuzz.cc drives it directly.
#include "runtime/api/text_decoder.h"

#include <algorithm>
#include <cstring>
#include <string>
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

// ---- encoders (for HTMLRewriter's inserted content) ----

namespace verge::runtime::encoding {

namespace {

void appendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The first pointer of `index` whose code point is `cp` (from `from`), or -1.
template <typename T>
long pointerOf(const T* index, size_t size, uint32_t cp, size_t from = 0) {
  for (size_t p = from; p < size; ++p) {
    if (index[p] == cp) return static_cast<long>(p);
  }
  return -1;
}

// One code point (not ASCII) → bytes; false when `enc` has none for it.
bool encodeOne(int enc, uint32_t cp, std::string& out) {
  auto put = [&](long b) { out += static_cast<char>(b); };
  if (enc < kSingleByteCount) {
    for (int i = 0; i < 128; ++i) {
      if (kSingleByte[enc * 128 + i] == cp) {
        put(0x80 + i);
        return true;
      }
    }
    return false;
  }
  switch (enc) {
    case kXUserDefined:
      if (cp >= 0xF780 && cp <= 0xF7FF) {
        put(cp - 0xF780 + 0x80);
        return true;
      }
      return false;
    case kGbk:
    case kGb18030: {
      if (cp == 0xE5E5) return false;
      if (enc == kGbk && cp == 0x20AC) {
        put(0x80);
        return true;
      }
      long pointer = pointerOf(kIndexGb18030, kIndexGb18030Size, cp);
      if (pointer >= 0) {
        long trail = pointer % 190;
        put(pointer / 190 + 0x81);
        put(trail + (trail < 0x3F ? 0x40 : 0x41));
        return true;
      }
      if (enc == kGbk) return false;
      // Four bytes, from the ranges.
      if (cp == 0xE7C7) {
        pointer = 7457;
      } else {
        size_t k = 0;
        for (size_t i = 0; i < kGb18030RangeCount; ++i) {
          if (kGb18030Ranges[i * 2 + 1] <= cp) k = i;
        }
        pointer = static_cast<long>(kGb18030Ranges[k * 2] + cp - kGb18030Ranges[k * 2 + 1]);
      }
      put(pointer / (10 * 126 * 10) + 0x81);
      pointer %= 10 * 126 * 10;
      put(pointer / (10 * 126) + 0x30);
      pointer %= 10 * 126;
      put(pointer / 10 + 0x81);
      put(pointer % 10 + 0x30);
      return true;
    }
    case kBig5: {
      // The last pointer for these, the first otherwise; never below the
      // pointers of the HKSCS extension's lead bytes (0x81-0xA0).
      long pointer = -1;
      const long floor = (0xA1 - 0x81) * 157;
      bool last = cp == 0x2550 || cp == 0x255E || cp == 0x2561 || cp == 0x256A || cp == 0x5341 || cp == 0x5345;
      for (long p = pointerOf(kIndexBig5, kIndexBig5Size, cp, floor); p >= 0;
           p = pointerOf(kIndexBig5, kIndexBig5Size, cp, p + 1)) {
        pointer = p;
        if (!last) break;
      }
      if (pointer < 0) return false;
      long trail = pointer % 157;
      put(pointer / 157 + 0x81);
      put(trail + (trail < 0x3F ? 0x40 : 0x62));
      return true;
    }
    case kEucJp:
    case kShiftJis: {
      if (cp == 0xA5) {
        put(0x5C);
        return true;
      }
      if (cp == 0x203E) {
        put(0x7E);
        return true;
      }
      if (cp >= 0xFF61 && cp <= 0xFF9F) {
        if (enc == kEucJp) put(0x8E);
        put(cp - 0xFF61 + 0xA1);
        return true;
      }
      if (cp == 0x2212) cp = 0xFF0D;
      long pointer = -1;
      for (long p = pointerOf(kIndexJis0208, kIndexJis0208Size, cp); p >= 0;
           p = pointerOf(kIndexJis0208, kIndexJis0208Size, cp, p + 1)) {
        if (enc == kShiftJis && p >= 8272 && p <= 8835) continue;  // index Shift_JIS pointer
        pointer = p;
        break;
      }
      if (pointer < 0) return false;
      if (enc == kEucJp) {
        put(pointer / 94 + 0xA1);
        put(pointer % 94 + 0xA1);
      } else {
        long lead = pointer / 188, trail = pointer % 188;
        put(lead + (lead < 0x1F ? 0x81 : 0xC1));
        put(trail + (trail < 0x3F ? 0x40 : 0x41));
      }
      return true;
    }
    case kEucKr: {
      long pointer = pointerOf(kIndexEucKr, kIndexEucKrSize, cp);
      if (pointer < 0) return false;
      put(pointer / 190 + 0x81);
      put(pointer % 190 + 0x41);
      return true;
    }
    default:
      return false;
  }
}

}  // namespace

bool isAsciiCompatible(int enc) {
  return enc >= 0 && enc < kEncodingCount && enc != kIso2022Jp && enc != kReplacement && enc != kUtf16Be &&
         enc != kUtf16Le;
}

int encodingForLabel(std::string_view label) {
  auto ws = [](char c) { return c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '; };
  while (!label.empty() && ws(label.front())) label.remove_prefix(1);
  while (!label.empty() && ws(label.back())) label.remove_suffix(1);
  std::string key(label);
  for (auto& c : key) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  const Label* end = kLabels + kLabelCount;
  const Label* it = std::lower_bound(kLabels, end, key, [](const Label& l, const std::string& k) {
    return std::strcmp(l.label, k.c_str()) < 0;
  });
  return it == end || key != it->label ? -1 : it->encoding;
}

std::string encode(int enc, std::u16string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    uint32_t cp = text[i];
    if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < text.size() && text[i + 1] >= 0xDC00 && text[i + 1] <= 0xDFFF) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (text[i + 1] - 0xDC00);
      ++i;
    } else if (cp >= 0xD800 && cp <= 0xDFFF) {
      cp = 0xFFFD;
    }
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (enc == kUtf8) {
      appendUtf8(out, cp);
    } else if (!encodeOne(enc, cp, out)) {
      out += "&#" + std::to_string(cp) + ";";
    }
  }
  return out;
}

}  // namespace verge::runtime::encoding
