// Reading models/manifest.json (written by scripts/export.py; see colorize/manifest.h).
#include "colorize/manifest.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <vector>

namespace fs = std::filesystem;

namespace colorize {
namespace {

// Just enough JSON for the manifest: objects, arrays, strings (simple escapes), numbers,
// true/false/null. Depth-limited; any syntax error makes the whole manifest unreadable.
struct Json {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject } kind = Kind::kNull;
  double number = 0;
  std::string str;
  std::vector<Json> items;
  std::map<std::string, Json> fields;

  const Json* get(const std::string& key) const {
    auto it = fields.find(key);
    return (kind == Kind::kObject && it != fields.end()) ? &it->second : nullptr;
  }
};

class Parser {
 public:
  explicit Parser(const std::string& s) : s_(s) {}
  bool parse(Json* out) {
    if (!value(out, 0)) return false;
    skip();
    return pos_ == s_.size();
  }

 private:
  void skip() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t'))
      ++pos_;
  }
  bool literal(const char* word) {
    const std::string w(word);
    if (s_.compare(pos_, w.size(), w) != 0) return false;
    pos_ += w.size();
    return true;
  }
  bool string(std::string* out) {
    if (pos_ >= s_.size() || s_[pos_] != '"') return false;
    ++pos_;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      char c = s_[pos_++];
      if (c == '\\') {
        if (pos_ >= s_.size()) return false;
        const char e = s_[pos_++];
        if (e == 'u') {  // keep \uXXXX as '?': the manifest's keys and file names are ASCII
          if (pos_ + 4 > s_.size()) return false;
          pos_ += 4;
          c = '?';
        } else {
          c = e == 'n'   ? '\n'
              : e == 't' ? '\t'
              : e == 'r' ? '\r'
              : e == 'b' ? '\b'
              : e == 'f' ? '\f'
                         : e;
        }
      }
      out->push_back(c);
    }
    if (pos_ >= s_.size()) return false;
    ++pos_;
    return true;
  }
  bool value(Json* v, int depth) {
    if (depth > 32) return false;
    skip();
    if (pos_ >= s_.size()) return false;
    const char c = s_[pos_];
    if (c == '{') {
      v->kind = Json::Kind::kObject;
      ++pos_;
      skip();
      if (pos_ < s_.size() && s_[pos_] == '}') return ++pos_, true;
      for (;;) {
        skip();
        std::string key;
        if (!string(&key)) return false;
        skip();
        if (pos_ >= s_.size() || s_[pos_++] != ':') return false;
        if (!value(&v->fields[key], depth + 1)) return false;
        skip();
        if (pos_ >= s_.size()) return false;
        if (s_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (s_[pos_] == '}') return ++pos_, true;
        return false;
      }
    }
    if (c == '[') {
      v->kind = Json::Kind::kArray;
      ++pos_;
      skip();
      if (pos_ < s_.size() && s_[pos_] == ']') return ++pos_, true;
      for (;;) {
        v->items.emplace_back();
        if (!value(&v->items.back(), depth + 1)) return false;
        skip();
        if (pos_ >= s_.size()) return false;
        if (s_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (s_[pos_] == ']') return ++pos_, true;
        return false;
      }
    }
    if (c == '"') {
      v->kind = Json::Kind::kString;
      return string(&v->str);
    }
    if (literal("true")) {
      v->kind = Json::Kind::kBool;
      v->number = 1;
      return true;
    }
    if (literal("false")) {
      v->kind = Json::Kind::kBool;
      return true;
    }
    if (literal("null")) return true;
    const char* begin = s_.c_str() + pos_;
    char* end = nullptr;
    v->number = std::strtod(begin, &end);
    if (end == begin) return false;
    v->kind = Json::Kind::kNumber;
    pos_ += static_cast<size_t>(end - begin);
    return true;
  }

  const std::string& s_;
  size_t pos_ = 0;
};

bool read_manifest(const fs::path& dir, Json* out) {
  std::ifstream in(dir / "manifest.json", std::ios::binary);
  if (!in) return false;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > (4u << 20)) return false;  // not a manifest of ours
  return Parser(text).parse(out) && out->kind == Json::Kind::kObject;
}

int as_size(const Json* v) {
  if (!v || v->kind != Json::Kind::kNumber || v->number < 32 || v->number > 4096) return 0;
  return static_cast<int>(v->number);
}

}  // namespace

Result<std::string> default_model_in(const std::string& models_dir) {
  const fs::path dir = models_dir;
  Json m;
  if (!read_manifest(dir, &m))
    return Result<std::string>(ErrorCode::kIo,
                               "no readable manifest.json in '" + dir.string() + "'");
  const Json* id = m.get("default");
  const Json* models = m.get("models");
  if (id && id->kind == Json::Kind::kString && models && models->kind == Json::Kind::kArray) {
    for (const Json& e : models->items) {
      const Json* eid = e.get("id");
      const Json* file = e.get("file");
      if (eid && file && eid->str == id->str && file->kind == Json::Kind::kString) {
        const fs::path p = dir / file->str;
        std::error_code ec;
        if (!fs::is_regular_file(p, ec))
          return Result<std::string>(ErrorCode::kIo,
                                     "the default model '" + p.string() + "' is missing");
        return p.string();
      }
    }
  }
  return Result<std::string>(ErrorCode::kIo,
                             "'" + (dir / "manifest.json").string() + "' names no default model");
}

int manifest_working_size(const std::string& model_path) {
  const fs::path p(model_path);
  Json m;
  if (!read_manifest(p.parent_path().empty() ? fs::path(".") : p.parent_path(), &m)) return 0;
  const Json* models = m.get("models");
  if (!models || models->kind != Json::Kind::kArray) return 0;
  for (const Json& e : models->items) {
    const Json* file = e.get("file");
    if (file && file->kind == Json::Kind::kString && file->str == p.filename().string()) {
      const int own = as_size(e.get("working_size"));
      return own > 0 ? own : as_size(m.get("working_size"));
    }
  }
  return 0;
}

std::string installed_models_dir(const std::string& binary_path) {
  std::error_code ec;
  fs::path dir = fs::path(binary_path).parent_path();
  for (int up = 0; up < 3 && !dir.empty(); ++up, dir = dir.parent_path()) {
    const fs::path models = dir.parent_path() / "share" / "colorize" / "models";
    if (fs::is_regular_file(models / "manifest.json", ec)) return models.string();
    if (dir == dir.parent_path()) break;
  }
  return "";
}

std::string find_models_dir(const std::string& binary_path, const std::string& fallback) {
  const char* env = std::getenv("COLORIZE_MODELS");
  if (env && *env) return env;
  const std::string installed = installed_models_dir(binary_path);
  return installed.empty() ? fallback : installed;
}

}  // namespace colorize
