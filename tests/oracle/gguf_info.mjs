// Reads a GGUF file with node-llama-cpp's own GGUF parser (independent of loom)
// and prints one JSON object: version, data offset, flattened metadata (dotted
// keys; big integers as strings) and the tensor infos in file order.
import {readGgufFileInfo} from "node-llama-cpp";

function flatten(prefix, value, out) {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(prefix ? `${prefix}.${key}` : key, inner, out);
  } else {
    out[prefix] = value;
  }
}

const info = await readGgufFileInfo(process.argv[2], {readTensorInfo: true, logWarnings: false});
const metadata = {};
flatten("", info.metadata, metadata);
const tensors = (info.fullTensorInfo ?? []).map((tensor) => ({
  name: tensor.name,
  shape: tensor.dimensions.map((dim) => Number(dim)),
  ggml_type: tensor.ggmlType,
  offset: Number(tensor.offset),
  file_offset: Number(tensor.fileOffset),
}));
const replacer = (key, value) => (typeof value === "bigint" ? value.toString() : value);
process.stdout.write(JSON.stringify({version: info.version, tensor_count: Number(info.tensorCount), metadata, tensors}, replacer));
