#pragma once
// The safetensors format (https://huggingface.co/docs/safetensors): 8-byte little-endian header length,
// a JSON header {name: {dtype, shape, data_offsets}, "__metadata__": {str: str}}, then raw little-endian data.
#include <torch/torch.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace zerorl {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

// Read a .safetensors file, or a folder holding model.safetensors or a sharded checkpoint
// (model.safetensors.index.json + shards), memory-mapped: tensors alias a private copy-on-write mapping
// that lives as long as any of them. Dtypes F32, BF16, F16, F64, I64, I32, I16, I8, U8, BOOL.
// Tensors come in file order. Throws InputError naming the file (and tensor) for a missing or truncated
// file, broken header JSON, bad offsets, an unsupported dtype, or a tensor named twice across shards.
NamedTensors load_safetensors(const std::string& path_or_dir);

// The "__metadata__" of one file (empty when absent).
std::map<std::string, std::string> safetensors_metadata(const std::string& path);

// Write tensors (any device; saved contiguous from the CPU) through core/atomic_file.h write_file, so the
// fault-injection hook applies. Data is ordered by element size (largest first) so every tensor is
// aligned for zero-copy readers. Throws RunError on a duplicate name or an unsupported dtype.
void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace zerorl
