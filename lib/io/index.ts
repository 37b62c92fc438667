/** ng.io: checkpoint files (safetensors) — the same functions as ng.save/ng.load, plus in-memory forms. */
export { save, load, loadWithMetadata, loadMetadata, serialize, deserialize, MAX_HEADER_BYTES, MAX_HEADER_DEPTH, MAX_HEADER_ITEMS } from './safetensors';
export type { StateDictSource, SafetensorsContents } from './safetensors';
export { writeFileAtomic } from './atomic';
