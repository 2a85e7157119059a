#include "model/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"

namespace zerorl {
namespace {

namespace fs = std::filesystem;

const std::vector<std::pair<std::string, torch::Dtype>>& dtype_table() {
  static const std::vector<std::pair<std::string, torch::Dtype>> t = {
      {"F32", torch::kFloat},  {"BF16", torch::kBFloat16}, {"F16", torch::kHalf}, {"F64", torch::kDouble},
      {"I64", torch::kLong},   {"I32", torch::kInt},       {"I16", torch::kShort}, {"I8", torch::kChar},
      {"U8", torch::kByte},    {"BOOL", torch::kBool}};
  return t;
}

std::string supported_names() {
  std::string s;
  for (auto& [n, d] : dtype_table()) s += (s.empty() ? "" : ", ") + n;
  return s;
}

// A read-only file mapped copy-on-write, so a caller writing into a loaded tensor never touches the file.
struct Mapping {
  void* addr = nullptr;
  size_t size = 0;
  ~Mapping() {
    if (addr && size) ::munmap(addr, size);
  }
};

std::shared_ptr<Mapping> map_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw InputError("cannot read " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw InputError("cannot read " + path + ": not a regular file");
  }
  auto m = std::make_shared<Mapping>();
  m->size = static_cast<size_t>(st.st_size);
  if (m->size > 0) {
    void* a = ::mmap(nullptr, m->size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (a == MAP_FAILED) {
      ::close(fd);
      throw InputError("cannot map " + path + ": " + std::strerror(errno));
    }
    m->addr = a;
  }
  ::close(fd);
  return m;
}

struct Entry {
  std::string name;
  torch::Dtype dtype;
  std::vector<int64_t> shape;
  uint64_t begin, end;
};

nlohmann::json parse_header(const std::string& path, const Mapping& m, uint64_t& data_start) {
  if (m.size < 8)
    throw InputError(path + ": not a safetensors file (" + std::to_string(m.size) + " bytes, truncated)");
  const auto* p = static_cast<const unsigned char*>(m.addr);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | p[i];
  if (n > m.size - 8)
    throw InputError(path + ": truncated: header says " + std::to_string(n) + " bytes, file has " +
                     std::to_string(m.size - 8) + " after the length");
  data_start = 8 + n;
  nlohmann::json h;
  try {
    h = nlohmann::json::parse(reinterpret_cast<const char*>(p + 8), reinterpret_cast<const char*>(p + 8 + n));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path + ": broken safetensors header JSON: " + e.what());
  }
  if (!h.is_object()) throw InputError(path + ": safetensors header is not a JSON object");
  return h;
}

std::vector<Entry> parse_entries(const std::string& path, const nlohmann::json& h, uint64_t data_bytes) {
  std::vector<Entry> out;
  for (auto it = h.begin(); it != h.end(); ++it) {
    if (it.key() == "__metadata__") continue;
    const std::string where = path + ": tensor " + it.key();
    const auto& e = it.value();
    if (!e.is_object() || !e.contains("dtype") || !e.contains("shape") || !e.contains("data_offsets") ||
        !e["dtype"].is_string() || !e["shape"].is_array() || !e["data_offsets"].is_array() ||
        e["data_offsets"].size() != 2)
      throw InputError(where + ": header entry needs dtype, shape and data_offsets [begin, end]");
    Entry t;
    t.name = it.key();
    const std::string dt = e["dtype"].get<std::string>();
    auto found = std::find_if(dtype_table().begin(), dtype_table().end(), [&](auto& x) { return x.first == dt; });
    if (found == dtype_table().end())
      throw InputError(where + " has unsupported dtype " + dt + " (supported: " + supported_names() + ")");
    t.dtype = found->second;
    uint64_t numel = 1;
    for (const auto& d : e["shape"]) {
      if (!d.is_number_unsigned() || d.get<uint64_t>() > (uint64_t{1} << 48))
        throw InputError(where + ": bad shape " + e["shape"].dump());
      t.shape.push_back(d.get<int64_t>());
      if (__builtin_mul_overflow(numel, d.get<uint64_t>(), &numel))
        throw InputError(where + ": shape " + e["shape"].dump() + " is too large");
    }
    for (const auto& o : e["data_offsets"])
      if (!o.is_number_unsigned()) throw InputError(where + ": bad data_offsets " + e["data_offsets"].dump());
    t.begin = e["data_offsets"][0].get<uint64_t>();
    t.end = e["data_offsets"][1].get<uint64_t>();
    uint64_t need = 0;
    if (__builtin_mul_overflow(numel, c10::elementSize(t.dtype), &need) || t.end < t.begin ||
        t.end - t.begin != need)
      throw InputError(where + ": data_offsets " + e["data_offsets"].dump() + " do not hold shape " +
                       e["shape"].dump() + " of " + dt + " (" + std::to_string(need) + " bytes)");
    if (t.end > data_bytes)
      throw InputError(path + ": truncated: tensor " + t.name + " ends at data byte " + std::to_string(t.end) +
                       ", file has " + std::to_string(data_bytes));
    out.push_back(std::move(t));
  }
  std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.begin < b.begin; });
  for (size_t i = 1; i < out.size(); ++i)
    if (out[i].begin < out[i - 1].end)
      throw InputError(path + ": tensors " + out[i - 1].name + " and " + out[i].name + " overlap");
  return out;
}

NamedTensors load_file(const std::string& path) {
  auto m = map_file(path);
  uint64_t data_start = 0;
  auto h = parse_header(path, *m, data_start);
  auto entries = parse_entries(path, h, m->size - data_start);
  NamedTensors out;
  auto* base = static_cast<char*>(m->addr) + data_start;
  for (auto& e : entries) {
    void* ptr = base + e.begin;
    auto opts = torch::TensorOptions().dtype(e.dtype);
    torch::Tensor t;
    if (e.end == e.begin) {
      t = torch::empty(e.shape, opts);
    } else if (reinterpret_cast<uintptr_t>(ptr) % c10::elementSize(e.dtype) == 0) {
      t = torch::from_blob(ptr, e.shape, [m](void*) {}, opts);  // the lambda keeps the mapping alive
    } else {  // misaligned data (written by a tool that does not align): copy
      t = torch::empty(e.shape, opts);
      std::memcpy(t.data_ptr(), ptr, e.end - e.begin);
    }
    out.emplace_back(e.name, t);
  }
  return out;
}

NamedTensors load_index(const std::string& index_path) {
  nlohmann::json idx;
  try {
    idx = nlohmann::json::parse(read_file(index_path));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(index_path + ": broken JSON: " + e.what());
  }
  if (!idx.is_object() || !idx.contains("weight_map") || !idx["weight_map"].is_object())
    throw InputError(index_path + ": missing object \"weight_map\"");
  const fs::path dir = fs::path(index_path).parent_path();
  std::map<std::string, std::string> name_to_file;
  std::vector<std::string> files;
  for (auto it = idx["weight_map"].begin(); it != idx["weight_map"].end(); ++it) {
    if (!it.value().is_string()) throw InputError(index_path + ": weight_map[" + it.key() + "] is not a file name");
    name_to_file[it.key()] = it.value().get<std::string>();
    if (std::find(files.begin(), files.end(), it.value().get<std::string>()) == files.end())
      files.push_back(it.value().get<std::string>());
  }
  std::sort(files.begin(), files.end());
  NamedTensors out;
  std::map<std::string, std::string> seen;
  for (const auto& f : files) {
    const std::string path = (dir / f).string();
    for (auto& [name, t] : load_file(path)) {
      if (seen.count(name)) throw InputError(path + ": tensor " + name + " also appears in " + seen[name]);
      seen[name] = path;
      out.emplace_back(name, t);
    }
  }
  for (auto& [name, file] : name_to_file)
    if (!seen.count(name) || fs::path(seen[name]).filename() != fs::path(file).filename())
      throw InputError((dir / file).string() + ": missing tensor " + name + " (listed in " + index_path + ")");
  return out;
}

}  // namespace

NamedTensors load_safetensors(const std::string& path_or_dir) {
  std::error_code ec;
  if (fs::is_directory(path_or_dir, ec)) {
    const fs::path dir(path_or_dir);
    if (fs::exists(dir / "model.safetensors")) return load_file((dir / "model.safetensors").string());
    if (fs::exists(dir / "model.safetensors.index.json"))
      return load_index((dir / "model.safetensors.index.json").string());
    throw InputError(path_or_dir + ": no model.safetensors or model.safetensors.index.json");
  }
  const std::string& p = path_or_dir;
  if (p.size() >= 5 && p.compare(p.size() - 5, 5, ".json") == 0) return load_index(p);
  return load_file(p);
}

std::map<std::string, std::string> safetensors_metadata(const std::string& path) {
  auto m = map_file(path);
  uint64_t data_start = 0;
  auto h = parse_header(path, *m, data_start);
  std::map<std::string, std::string> out;
  if (h.contains("__metadata__")) {
    if (!h["__metadata__"].is_object()) throw InputError(path + ": __metadata__ is not an object");
    for (auto it = h["__metadata__"].begin(); it != h["__metadata__"].end(); ++it) {
      if (!it.value().is_string()) throw InputError(path + ": __metadata__." + it.key() + " is not a string");
      out[it.key()] = it.value().get<std::string>();
    }
  }
  return out;
}

void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata) {
  std::vector<std::pair<std::string, torch::Tensor>> items;
  std::set<std::string> names;
  for (auto& [name, t] : tensors) {
    if (name == "__metadata__" || !names.insert(name).second)
      throw RunError("save_safetensors " + path + ": tensor name '" + name + "' used twice or reserved");
    items.emplace_back(name, t.detach().to(torch::kCPU).contiguous());
  }
  std::stable_sort(items.begin(), items.end(),
                   [](auto& a, auto& b) { return a.second.element_size() > b.second.element_size(); });
  nlohmann::json h = nlohmann::json::object();
  if (!metadata.empty()) h["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (auto& [name, t] : items) {
    auto found = std::find_if(dtype_table().begin(), dtype_table().end(),
                              [&](auto& x) { return x.second == t.scalar_type(); });
    if (found == dtype_table().end())
      throw RunError("save_safetensors " + path + ": tensor " + name + " has unsupported dtype " +
                     std::string(c10::toString(t.scalar_type())));
    const uint64_t n = t.numel() * t.element_size();
    h[name] = {{"dtype", found->first}, {"shape", t.sizes().vec()}, {"data_offsets", {offset, offset + n}}};
    offset += n;
  }
  std::string header = h.dump();
  header.append((8 - header.size() % 8) % 8, ' ');  // data starts 8-byte aligned
  std::string bytes;
  bytes.reserve(8 + header.size() + offset);
  for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xff));
  bytes += header;
  for (auto& [name, t] : items) bytes.append(static_cast<const char*>(t.data_ptr()), t.numel() * t.element_size());
  write_file(path, bytes);
}

}  // namespace zerorl
