// Natives behind env bindings (src/js/bindings.js): KV, D1 and R2 on the
// thread's stores. Storage calls run on the event-loop thread; they are local
// SQLite and file operations measured in microseconds.
// TODO(perf): move large R2 reads/writes and slow D1 queries to a pool.
//
// Errors: a store's refusal (KvError, D1Error, R2Error) becomes a JS Error
// with the store's message; anything else is reported as an internal error.
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <nlohmann/json.hpp>

#include "runtime/isolate_storage.h"
#include "runtime/limited_allocator.h"
#include "runtime/v8_util.h"
#include "runtime/worker_isolate.h"
#include "storage/d1_database.h"
#include "storage/kv_store.h"
#include "storage/object_store.h"
#include "storage/sqlite.h"

namespace verge::runtime {

namespace {

using Args = const v8::FunctionCallbackInfo<v8::Value>&;
using json = nlohmann::json;

WorkerIsolate* self(Args info) {
  return static_cast<WorkerIsolate*>(info.Data().As<v8::External>()->Value());
}

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}


v8::Local<v8::Value> jsonValue(v8::Isolate* isolate, const std::string& text) {
  v8::Local<v8::Value> out;
  if (!v8::JSON::Parse(isolate->GetCurrentContext(), v8str(isolate, text)).ToLocal(&out)) {
    return v8::Null(isolate);
  }
  return out;
}

v8::Local<v8::Value> optNumber(v8::Isolate* isolate, const std::optional<int64_t>& v) {
  if (!v) return v8::Null(isolate);
  return v8::Number::New(isolate, static_cast<double>(*v));
}

// Runs `fn`, turning store errors into JS exceptions.
template <class F>
void guarded(Args info, const char* what, F&& fn) {
  v8::Isolate* isolate = info.GetIsolate();
  try {
    fn();
  } catch (const storage::KvError& e) {
    // Bad key names are TypeErrors in workerd; refusals by the store
    // ("KV PUT failed: 414 ...") are plain Errors.
    std::string_view message = e.what();
    throwError(isolate, message.rfind("KV ", 0) == 0 ? "Error" : "TypeError", message);
  } catch (const storage::D1Error& e) {
    throwError(isolate, "Error", e.what());
  } catch (const storage::R2Error& e) {
    throwError(isolate, "Error", e.what());
  } catch (const storage::SqliteError& e) {
    throwError(isolate, "Error", std::string(what) + ": storage error: " + e.what());
  } catch (const std::exception& e) {
    throwError(isolate, "Error", std::string(what) + ": internal error: " + e.what());
  }
}

std::string str(Args info, int i) { return toStdString(info.GetIsolate(), info[i]); }

// ---- KV ----

// kvGet(ns, key, cacheTtl|undefined) → null | [bytes, metadataJson|null, expiration|null]
void kvGet(Args info) {
  guarded(info, "KV GET", [&] {
    v8::Isolate* isolate = info.GetIsolate();
    std::optional<int64_t> ttl;
    if (info[2]->IsNumber()) ttl = static_cast<int64_t>(info[2].As<v8::Number>()->Value());
    auto v = self(info)->storage().kv().get(str(info, 0), str(info, 1), nowMs(), ttl);
    if (!v) {
      info.GetReturnValue().SetNull();
      return;
    }
    v8::Local<v8::Uint8Array> bytes;
    if (!newBytes(isolate, v->value).ToLocal(&bytes)) return;  // over the memory limit
    v8::Local<v8::Value> parts[] = {
        bytes,
        v->metadata ? v8::Local<v8::Value>(v8str(isolate, *v->metadata)) : v8::Local<v8::Value>(v8::Null(isolate)),
        optNumber(isolate, v->expiration)};
    info.GetReturnValue().Set(v8::Array::New(isolate, parts, 3));
  });
}

// kvPut(ns, key, value: string|bytes, expiration|null, metadataJson|null)
void kvPut(Args info) {
  guarded(info, "KV PUT", [&] {
    v8::Isolate* isolate = info.GetIsolate();
    std::string value = info[2]->IsString() ? toStdString(isolate, info[2]) : std::string(bytesOf(info[2]));
    std::optional<int64_t> expiration;
    if (info[3]->IsNumber()) expiration = static_cast<int64_t>(info[3].As<v8::Number>()->Value());
    std::optional<std::string> metadata;
    if (info[4]->IsString()) metadata = toStdString(isolate, info[4]);
    self(info)->storage().kv().put(str(info, 0), str(info, 1), value, expiration, metadata, nowMs());
  });
}

void kvDelete(Args info) {
  guarded(info, "KV DELETE", [&] { self(info)->storage().kv().remove(str(info, 0), str(info, 1)); });
}

// kvList(ns, prefix, limit, cursor) → [[[name, expiration|null, metadataJson|null]...], complete, cursor]
void kvList(Args info) {
  guarded(info, "KV LIST", [&] {
    v8::Isolate* isolate = info.GetIsolate();
    auto context = isolate->GetCurrentContext();
    size_t limit = static_cast<size_t>(info[2]->NumberValue(context).FromMaybe(1000));
    auto r = self(info)->storage().kv().list(str(info, 0), str(info, 1), limit, str(info, 3), nowMs());
    std::vector<v8::Local<v8::Value>> keys;
    keys.reserve(r.keys.size());
    for (const auto& k : r.keys) {
      v8::Local<v8::Value> item[] = {
          v8str(isolate, k.name), optNumber(isolate, k.expiration),
          k.metadata ? v8::Local<v8::Value>(v8str(isolate, *k.metadata)) : v8::Local<v8::Value>(v8::Null(isolate))};
      keys.push_back(v8::Array::New(isolate, item, 3));
    }
    v8::Local<v8::Value> out[] = {v8::Array::New(isolate, keys.data(), keys.size()),
                                  v8::Boolean::New(isolate, r.list_complete), v8str(isolate, r.cursor)};
    info.GetReturnValue().Set(v8::Array::New(isolate, out, 3));
  });
}

// ---- D1 ----

// JS values → D1 parameters (bindings.js has already rejected bad types).
std::vector<storage::D1Value> d1Params(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  std::vector<storage::D1Value> out;
  if (!value->IsArray()) return out;
  auto context = isolate->GetCurrentContext();
  auto array = value.As<v8::Array>();
  for (uint32_t i = 0; i < array->Length(); ++i) {
    v8::Local<v8::Value> v;
    if (!array->Get(context, i).ToLocal(&v) || v->IsNull() || v->IsUndefined()) {
      out.emplace_back(std::monostate{});
    } else if (v->IsBoolean()) {
      out.emplace_back(static_cast<int64_t>(v->BooleanValue(isolate) ? 1 : 0));
    } else if (v->IsNumber()) {
      double d = v.As<v8::Number>()->Value();
      if (d == static_cast<double>(static_cast<int64_t>(d)) && d >= -9007199254740991.0 &&
          d <= 9007199254740991.0) {
        out.emplace_back(static_cast<int64_t>(d));
      } else {
        out.emplace_back(d);
      }
    } else if (v->IsBigInt()) {
      out.emplace_back(v.As<v8::BigInt>()->Int64Value());
    } else if (v->IsArrayBufferView() || v->IsArrayBuffer()) {
      out.emplace_back(storage::D1Blob{std::string(bytesOf(v))});
    } else {
      out.emplace_back(toStdString(isolate, v));
    }
  }
  return out;
}

v8::Local<v8::Value> d1ValueToJs(v8::Isolate* isolate, const storage::D1Value& v) {
  switch (v.index()) {
    case 1: return v8::Number::New(isolate, static_cast<double>(std::get<int64_t>(v)));
    case 2: return v8::Number::New(isolate, std::get<double>(v));
    case 3: return v8str(isolate, std::get<std::string>(v));
    case 4: {
      // D1 returns BLOBs as arrays of byte values.
      const auto& bytes = std::get<storage::D1Blob>(v).bytes;
      std::vector<v8::Local<v8::Value>> items;
      items.reserve(bytes.size());
      for (unsigned char c : bytes) items.push_back(v8::Integer::New(isolate, c));
      return v8::Array::New(isolate, items.data(), items.size());
    }
    default: return v8::Null(isolate);
  }
}

// {columns: [...], rows: [[...]], meta: {...}}
v8::Local<v8::Object> d1ResultToJs(v8::Isolate* isolate, const storage::D1Result& r) {
  auto context = isolate->GetCurrentContext();
  std::vector<v8::Local<v8::Value>> columns;
  for (const auto& c : r.columns) columns.push_back(v8str(isolate, c));
  std::vector<v8::Local<v8::Value>> rows;
  rows.reserve(r.rows.size());
  std::vector<v8::Local<v8::Value>> cells;
  for (const auto& row : r.rows) {
    cells.clear();
    for (const auto& v : row) cells.push_back(d1ValueToJs(isolate, v));
    rows.push_back(v8::Array::New(isolate, cells.data(), cells.size()));
  }
  auto meta = v8::Object::New(isolate);
  auto set = [&](v8::Local<v8::Object> o, const char* k, v8::Local<v8::Value> v) {
    o->Set(context, v8str(isolate, k), v).Check();
  };
  set(meta, "duration", v8::Number::New(isolate, r.meta.duration_ms));
  set(meta, "changes", v8::Number::New(isolate, static_cast<double>(r.meta.changes)));
  set(meta, "last_row_id", v8::Number::New(isolate, static_cast<double>(r.meta.last_row_id)));
  set(meta, "changed_db", v8::Boolean::New(isolate, r.meta.changed_db));
  set(meta, "size_after", v8::Number::New(isolate, static_cast<double>(r.meta.size_after)));
  set(meta, "rows_read", v8::Number::New(isolate, static_cast<double>(r.meta.rows_read)));
  set(meta, "rows_written", v8::Number::New(isolate, static_cast<double>(r.meta.rows_written)));
  auto out = v8::Object::New(isolate);
  set(out, "columns", v8::Array::New(isolate, columns.data(), columns.size()));
  set(out, "rows", v8::Array::New(isolate, rows.data(), rows.size()));
  set(out, "meta", meta);
  return out;
}

// d1Query(db, sql, params) → result
void d1Query(Args info) {
  guarded(info, "D1", [&] {
    v8::Isolate* isolate = info.GetIsolate();
    storage::D1Query q{str(info, 1), d1Params(isolate, info[2])};
    auto r = self(info)->storage().d1(str(info, 0)).query(q);
    info.GetReturnValue().Set(d1ResultToJs(isolate, r));
  });
}

// d1Batch(db, [[sql, params], ...]) → [result, ...]
void d1Batch(Args info) {
  guarded(info, "D1", [&] {
    v8::Isolate* isolate = info.GetIsolate();
    auto context = isolate->GetCurrentContext();
    std::vector<storage::D1Query> queries;
    if (info[1]->IsArray()) {
      auto list = info[1].As<v8::Array>();
      for (uint32_t i = 0; i < list->Length(); ++i) {
        v8::Local<v8::Value> item, sql, params;
        if (!list->Get(context, i).ToLocal(&item) || !item->IsArray()) continue;
        auto pair = item.As<v8::Array>();
        if (!pair->Get(context, 0).ToLocal(&sql) || !pair->Get(context, 1).ToLocal(&params)) continue;
        queries.push_back({toStdString(isolate, sql), d1Params(isolate, params)});
      }
    }
    auto results = self(info)->storage().d1(str(info, 0)).batch(queries);
    std::vector<v8::Local<v8::Value>> out;
    for (const auto& r : results) out.push_back(d1ResultToJs(isolate, r));
    info.GetReturnValue().Set(v8::Array::New(isolate, out.data(), out.size()));
  });
}

// d1Exec(db, sql) → [count, duration]
void d1Exec(Args info) {
  guarded(info, "D1", [&] {
    v8::Isolate* isolate = info.GetIsolate();
    auto r = self(info)->storage().d1(str(info, 0)).exec(str(info, 1));
    v8::Local<v8::Value> out[] = {v8::Integer::New(isolate, r.count), v8::Number::New(isolate, r.duration_ms)};
    info.GetReturnValue().Set(v8::Array::New(isolate, out, 2));
  });
}

// ---- R2 (metadata crosses as JSON: small, and keeps this file short) ----

json httpMetaJson(const storage::R2HttpMetadata& m) {
  json j = json::object();
  if (m.content_type) j["contentType"] = *m.content_type;
  if (m.content_language) j["contentLanguage"] = *m.content_language;
  if (m.content_disposition) j["contentDisposition"] = *m.content_disposition;
  if (m.content_encoding) j["contentEncoding"] = *m.content_encoding;
  if (m.cache_control) j["cacheControl"] = *m.cache_control;
  if (m.cache_expiry_ms) j["cacheExpiry"] = *m.cache_expiry_ms;
  return j;
}

storage::R2HttpMetadata httpMetaFrom(const json& j) {
  storage::R2HttpMetadata m;
  if (!j.is_object()) return m;
  auto s = [&](const char* k, std::optional<std::string>& out) {
    if (j.contains(k) && j[k].is_string()) out = j[k].get<std::string>();
  };
  s("contentType", m.content_type);
  s("contentLanguage", m.content_language);
  s("contentDisposition", m.content_disposition);
  s("contentEncoding", m.content_encoding);
  s("cacheControl", m.cache_control);
  if (j.contains("cacheExpiry") && j["cacheExpiry"].is_number()) m.cache_expiry_ms = j["cacheExpiry"].get<int64_t>();
  return m;
}

std::map<std::string, std::string> customMetaFrom(const json& j) {
  std::map<std::string, std::string> out;
  if (!j.is_object()) return out;
  for (const auto& [k, v] : j.items()) out[k] = v.is_string() ? v.get<std::string>() : v.dump();
  return out;
}

json objectJson(const storage::R2Object& o, bool http = true, bool custom = true) {
  json j = {{"key", o.key},
            {"version", o.version},
            {"size", o.size},
            {"etag", o.etag},
            {"uploaded", o.uploaded_ms},
            {"storageClass", o.storage_class}};
  if (http) j["httpMetadata"] = httpMetaJson(o.http_metadata);
  if (custom) j["customMetadata"] = o.custom_metadata;
  json sums = json::object();
  if (o.checksums.md5) sums["md5"] = *o.checksums.md5;
  if (o.checksums.sha1) sums["sha1"] = *o.checksums.sha1;
  if (o.checksums.sha256) sums["sha256"] = *o.checksums.sha256;
  if (o.checksums.sha384) sums["sha384"] = *o.checksums.sha384;
  if (o.checksums.sha512) sums["sha512"] = *o.checksums.sha512;
  j["checksums"] = sums;
  return j;
}

std::optional<storage::R2Conditional> conditionalFrom(const json& j) {
  if (!j.is_object()) return std::nullopt;
  storage::R2Conditional c;
  auto list = [&](const char* k, std::vector<std::string>& out) {
    if (!j.contains(k)) return;
    if (j[k].is_string()) out.push_back(j[k].get<std::string>());
    else if (j[k].is_array()) for (const auto& e : j[k]) if (e.is_string()) out.push_back(e.get<std::string>());
  };
  list("etagMatches", c.etag_matches);
  list("etagDoesNotMatch", c.etag_does_not_match);
  if (j.contains("uploadedBefore") && j["uploadedBefore"].is_number()) c.uploaded_before_ms = j["uploadedBefore"].get<int64_t>();
  if (j.contains("uploadedAfter") && j["uploadedAfter"].is_number()) c.uploaded_after_ms = j["uploadedAfter"].get<int64_t>();
  if (j.contains("secondsGranularity") && j["secondsGranularity"].is_boolean()) c.seconds_granularity = j["secondsGranularity"].get<bool>();
  return c;
}

json parseJsonArg(Args info, int i) {
  if (!info[i]->IsString()) return json();
  try {
    return json::parse(str(info, i));
  } catch (const json::exception&) {
    return json();
  }
}

void returnJson(Args info, const json& j) {
  info.GetReturnValue().Set(jsonValue(info.GetIsolate(), j.dump()));
}

// Streams an R2Reader to JS as a body source, one chunk per event-loop turn.
class ReaderSource : public net::BodySource, public std::enable_shared_from_this<ReaderSource> {
 public:
  ReaderSource(boost::asio::io_context& ioc, std::unique_ptr<storage::R2Reader> reader)
      : ioc_(ioc), reader_(std::move(reader)) {}
  void read(net::BodyReadCallback cb) override {
    boost::asio::post(ioc_, [self = shared_from_this(), cb = std::move(cb)] {
      if (!self->reader_) {
        cb({}, "the object body was cancelled");
        return;
      }
      std::string chunk;
      bool more = false;
      try {
        more = self->reader_->read(chunk);
      } catch (const std::exception& e) {
        cb({}, std::string("reading the object failed: ") + e.what());
        return;
      }
      if (chunk.empty() && !more) {
        self->reader_.reset();
        cb({}, {});
        return;
      }
      cb(chunk, {});
    });
  }
  void cancel() override { reader_.reset(); }

 private:
  boost::asio::io_context& ioc_;
  std::unique_ptr<storage::R2Reader> reader_;
};

void r2Head(Args info) {
  guarded(info, "head", [&] {
    auto o = self(info)->storage().r2().head(str(info, 0), str(info, 1));
    if (!o) info.GetReturnValue().SetNull();
    else returnJson(info, objectJson(*o));
  });
}

// r2Get(bucket, key, rangeJson|null, onlyIfJson|null) → null | [objectJson, preconditionFailed, offset, length, sourceId]
void r2Get(Args info) {
  guarded(info, "get", [&] {
    v8::Isolate* isolate = info.GetIsolate();
    WorkerIsolate* w = self(info);
    std::optional<storage::R2Range> range;
    json rj = parseJsonArg(info, 2);
    if (rj.is_object()) {
      storage::R2Range r;
      if (rj.contains("offset") && rj["offset"].is_number()) r.offset = rj["offset"].get<uint64_t>();
      if (rj.contains("length") && rj["length"].is_number()) r.length = rj["length"].get<uint64_t>();
      if (rj.contains("suffix") && rj["suffix"].is_number()) r.suffix = rj["suffix"].get<uint64_t>();
      range = r;
    }
    auto result = w->storage().r2().get(str(info, 0), str(info, 1), range, conditionalFrom(parseJsonArg(info, 3)));
    if (!result) {
      info.GetReturnValue().SetNull();
      return;
    }
    uint32_t sid = 0;
    if (result->body) sid = w->addSource(std::make_shared<ReaderSource>(w->home().context(), std::move(result->body)));
    v8::Local<v8::Value> parts[] = {
        jsonValue(isolate, objectJson(result->object).dump()),
        v8::Boolean::New(isolate, result->precondition_failed),
        v8::Number::New(isolate, static_cast<double>(result->range_offset)),
        v8::Number::New(isolate, static_cast<double>(result->range_length)),
        v8::Integer::NewFromUnsigned(isolate, sid)};
    info.GetReturnValue().Set(v8::Array::New(isolate, parts, 5));
  });
}

storage::R2PutWriter& writer(Args info, uint32_t id) {
  storage::R2PutWriter* w = self(info)->storage().writer(id);
  if (!w) throw storage::R2Error("put: this upload is no longer in progress");
  return *w;
}

uint32_t writerId(Args info) {
  return info[0]->Uint32Value(info.GetIsolate()->GetCurrentContext()).FromMaybe(0);
}

void r2PutBegin(Args info) {
  guarded(info, "put", [&] {
    auto& storage = self(info)->storage();
    uint32_t id = storage.addWriter(storage.r2().beginPut(str(info, 0), str(info, 1)));
    info.GetReturnValue().Set(v8::Integer::NewFromUnsigned(info.GetIsolate(), id));
  });
}

void r2PutAppend(Args info) {
  guarded(info, "put", [&] {
    writer(info, writerId(info)).append(bytesOf(info[1]));
  });
}

// r2PutCommit(writerId, optionsJson) → objectJson | null (onlyIf failed)
void r2PutCommit(Args info) {
  uint32_t id = writerId(info);
  guarded(info, "put", [&] {
    json o = parseJsonArg(info, 1);
    storage::R2PutOptions options;
    if (o.is_object()) {
      if (o.contains("httpMetadata")) options.http_metadata = httpMetaFrom(o["httpMetadata"]);
      if (o.contains("customMetadata")) options.custom_metadata = customMetaFrom(o["customMetadata"]);
      if (o.contains("onlyIf")) options.only_if = conditionalFrom(o["onlyIf"]);
      auto sum = [&](const char* k, std::optional<std::string>& out) {
        if (o.contains(k) && o[k].is_string()) out = o[k].get<std::string>();
      };
      sum("md5", options.expected.md5);
      sum("sha1", options.expected.sha1);
      sum("sha256", options.expected.sha256);
      sum("sha384", options.expected.sha384);
      sum("sha512", options.expected.sha512);
    }
    auto result = writer(info, id).commit(options);
    if (!result) info.GetReturnValue().SetNull();
    else returnJson(info, objectJson(*result));
  });
  self(info)->storage().removeWriter(id);  // committed, or aborted by removal
}

void r2PutAbort(Args info) {
  // Removing an uncommitted writer aborts it (its temp file is deleted).
  self(info)->storage().removeWriter(writerId(info));
}

void r2Delete(Args info) {
  guarded(info, "delete", [&] {
    v8::Isolate* isolate = info.GetIsolate();
    auto context = isolate->GetCurrentContext();
    std::vector<std::string> keys;
    if (info[1]->IsArray()) {
      auto a = info[1].As<v8::Array>();
      for (uint32_t i = 0; i < a->Length(); ++i) {
        v8::Local<v8::Value> v;
        if (a->Get(context, i).ToLocal(&v)) keys.push_back(toStdString(isolate, v));
      }
    }
    self(info)->storage().r2().remove(str(info, 0), keys);
  });
}

void r2List(Args info) {
  guarded(info, "list", [&] {
    json o = parseJsonArg(info, 1);
    storage::R2ListOptions options;
    if (o.is_object()) {
      auto s = [&](const char* k, std::string& out) {
        if (o.contains(k) && o[k].is_string()) out = o[k].get<std::string>();
      };
      s("prefix", options.prefix);
      s("delimiter", options.delimiter);
      s("cursor", options.cursor);
      s("startAfter", options.start_after);
      if (o.contains("limit") && o["limit"].is_number()) options.limit = o["limit"].get<size_t>();
      if (o.contains("include") && o["include"].is_array()) {
        for (const auto& e : o["include"]) {
          if (e == "httpMetadata") options.include_http_metadata = true;
          if (e == "customMetadata") options.include_custom_metadata = true;
        }
      }
    }
    auto r = self(info)->storage().r2().list(str(info, 0), options);
    json out = {{"truncated", r.truncated}, {"delimitedPrefixes", r.delimited_prefixes}};
    if (r.truncated) out["cursor"] = r.cursor;
    json objects = json::array();
    for (const auto& obj : r.objects) {
      objects.push_back(objectJson(obj, options.include_http_metadata, options.include_custom_metadata));
    }
    out["objects"] = objects;
    returnJson(info, out);
  });
}

void r2MpuCreate(Args info) {
  guarded(info, "createMultipartUpload", [&] {
    json o = parseJsonArg(info, 2);
    storage::R2HttpMetadata http;
    std::map<std::string, std::string> custom;
    if (o.is_object()) {
      if (o.contains("httpMetadata")) http = httpMetaFrom(o["httpMetadata"]);
      if (o.contains("customMetadata")) custom = customMetaFrom(o["customMetadata"]);
    }
    auto id = self(info)->storage().r2().createMultipartUpload(str(info, 0), str(info, 1), http, custom);
    info.GetReturnValue().Set(v8str(info.GetIsolate(), id));
  });
}

// r2PartBegin(bucket, key, uploadId, partNumber) → writerId
void r2PartBegin(Args info) {
  guarded(info, "uploadPart", [&] {
    int part = info[3]->Int32Value(info.GetIsolate()->GetCurrentContext()).FromMaybe(0);
    auto& storage = self(info)->storage();
    uint32_t id = storage.addWriter(storage.r2().beginUploadPart(str(info, 0), str(info, 1), str(info, 2), part));
    info.GetReturnValue().Set(v8::Integer::NewFromUnsigned(info.GetIsolate(), id));
  });
}

// r2PartFinish(writerId) → {partNumber, etag}
void r2PartFinish(Args info) {
  uint32_t id = writerId(info);
  guarded(info, "uploadPart", [&] {
    auto part = self(info)->storage().r2().finishUploadPart(writer(info, id));
    returnJson(info, json{{"partNumber", part.part_number}, {"etag", part.etag}});
  });
  self(info)->storage().removeWriter(id);
}

// r2MpuComplete(bucket, key, uploadId, partsJson) → objectJson
void r2MpuComplete(Args info) {
  guarded(info, "completeMultipartUpload", [&] {
    json parts = parseJsonArg(info, 3);
    std::vector<storage::R2UploadedPart> list;
    if (parts.is_array()) {
      for (const auto& p : parts) {
        if (!p.is_object() || !p.contains("partNumber") || !p.contains("etag")) {
          throw storage::R2Error("completeMultipartUpload: each part needs partNumber and etag");
        }
        list.push_back({p["partNumber"].get<int>(), p["etag"].get<std::string>()});
      }
    }
    auto o = self(info)->storage().r2().completeMultipartUpload(str(info, 0), str(info, 1), str(info, 2), list);
    returnJson(info, objectJson(o));
  });
}

// ---- unsafe eval (workerd's UnsafeEval binding) ----
// Compiling through the embedder API is not "code generation from strings"
// (the V8 flag that forbids eval and Function), so only code holding the
// binding can do it.

// assetsFetch(method, url, headerPairs) → [status, headerPairs, bytes]: the
// ASSETS binding's answer from the worker's static assets (src/edge/assets),
// or undefined when the worker has none.
void assetsFetch(Args info) {
  auto* isolate = info.GetIsolate();
  WorkerIsolate* w = self(info);
  const auto& hook = w->storage().config().assets_fetch;
  std::string method = toStdString(isolate, info[0]);
  std::string url = toStdString(isolate, info[1]);
  net::HeaderList headers = headerPairs(isolate, info[2]);
  StorageConfig::AssetAnswer answer;
  if (!hook || !hook(w->script(), method, url, headers, answer)) return;
  v8::Local<v8::Uint8Array> body;
  if (!newBytes(isolate, answer.body).ToLocal(&body)) return;  // RangeError pending
  v8::Local<v8::Value> items[] = {v8::Integer::New(isolate, answer.status), headerArray(isolate, answer.headers),
                                  body};
  info.GetReturnValue().Set(v8::Array::New(isolate, items, 3));
}

// unsafeEval(code, name) → the completion value of `code` run as a classic
// script in the global scope.
void unsafeEval(Args info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  v8::Local<v8::String> code;
  if (!info[0]->ToString(context).ToLocal(&code)) return;
  v8::ScriptOrigin origin(isolate, info[1]->IsString() ? info[1] : v8str(isolate, "anonymous").As<v8::Value>());
  v8::Local<v8::Script> script;
  v8::Local<v8::Value> result;
  if (!v8::Script::Compile(context, code, &origin).ToLocal(&script) || !script->Run(context).ToLocal(&result)) return;
  info.GetReturnValue().Set(result);
}

// unsafeNewFunction(body, name, [argNames]) → a function.
void unsafeNewFunction(Args info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  v8::Local<v8::String> code;
  if (!info[0]->ToString(context).ToLocal(&code)) return;
  std::vector<v8::Local<v8::String>> params;
  if (info[2]->IsArray()) {
    auto arr = info[2].As<v8::Array>();
    for (uint32_t i = 0; i < arr->Length(); ++i) {
      v8::Local<v8::Value> v;
      v8::Local<v8::String> p;
      if (!arr->Get(context, i).ToLocal(&v) || !v->ToString(context).ToLocal(&p)) return;
      params.push_back(p);
    }
  }
  v8::ScriptOrigin origin(isolate, info[1]->IsString() ? info[1] : v8str(isolate, "anonymous").As<v8::Value>());
  v8::ScriptCompiler::Source source(code, origin);
  v8::Local<v8::Function> fn;
  if (!v8::ScriptCompiler::CompileFunction(context, &source, params.size(), params.data(), 0, nullptr)
           .ToLocal(&fn)) {
    return;
  }
  info.GetReturnValue().Set(fn);
}

void r2MpuAbort(Args info) {
  guarded(info, "abortMultipartUpload", [&] {
    self(info)->storage().r2().abortMultipartUpload(str(info, 0), str(info, 1), str(info, 2));
  });
}

}  // namespace

void installBindingNatives(v8::Isolate* isolate, v8::Local<v8::Context> context,
                           v8::Local<v8::Object> native, v8::Local<v8::Value> data) {
  struct Entry {
    const char* name;
    v8::FunctionCallback fn;
  };
  static constexpr Entry kNatives[] = {
      {"assetsFetch", assetsFetch}, {"unsafeEval", unsafeEval}, {"unsafeNewFunction", unsafeNewFunction},
      {"kvGet", kvGet},           {"kvPut", kvPut},
      {"kvDelete", kvDelete},     {"kvList", kvList},
      {"d1Query", d1Query},       {"d1Batch", d1Batch},
      {"d1Exec", d1Exec},         {"r2Head", r2Head},
      {"r2Get", r2Get},           {"r2PutBegin", r2PutBegin},
      {"r2PutAppend", r2PutAppend}, {"r2PutCommit", r2PutCommit},
      {"r2PutAbort", r2PutAbort}, {"r2Delete", r2Delete},
      {"r2List", r2List},         {"r2MpuCreate", r2MpuCreate},
      {"r2PartBegin", r2PartBegin}, {"r2PartFinish", r2PartFinish},
      {"r2MpuComplete", r2MpuComplete}, {"r2MpuAbort", r2MpuAbort},
  };
  for (const auto& e : kNatives) {
    auto fn = v8::Function::New(context, e.fn, data).ToLocalChecked();
    native->Set(context, v8str(isolate, e.name), fn).Check();
  }
}

}  // namespace verge::runtime
