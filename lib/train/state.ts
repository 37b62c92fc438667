/**
 * Packs nested training state (model/optimizer/scheduler/EMA state dicts, counters, the RNG
 * state) into named tensors plus one JSON string, and back — the shape a safetensors checkpoint
 * needs. Tensors and Float32Arrays become tensor entries named by their path ("optimizer.state.0.exp_avg");
 * everything else (numbers incl. NaN/±Infinity, strings, booleans, null, arrays, plain objects,
 * Int32Array/Uint32Array) goes into the JSON.
 */
import { Tensor } from '../tensor';
import { argError } from '../errors';

export interface PackedState {
  tensors: Record<string, Tensor>;
  json: string;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function packState(state: unknown): PackedState {
  const tensors: Record<string, Tensor> = {};
  const walk = (v: unknown, name: string): Json => {
    if (v instanceof Tensor) {
      tensors[name] = v;
      return { $tensor: name };
    }
    if (v instanceof Float32Array) {
      tensors[name] = new Tensor(v, [v.length]);
      return { $f32: name };
    }
    if (v instanceof Int32Array) return { $i32: Array.from(v) };
    if (v instanceof Uint32Array) return { $u32: Array.from(v) };
    if (typeof v === 'number') return Number.isFinite(v) ? v : { $num: String(v) };
    if (v === null || v === undefined) return null;
    if (typeof v === 'string' || typeof v === 'boolean') return v;
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${name}.${i}`));
    if (typeof v === 'object') {
      const out: { [k: string]: Json } = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (x === undefined || typeof x === 'function') continue;
        out[k] = walk(x, name ? `${name}.${k}` : k);
      }
      return out;
    }
    throw argError('packState', name || 'state', 'plain data, Tensors and typed arrays', v);
  };
  const json = JSON.stringify(walk(state, ''));
  return { tensors, json };
}

export function unpackState(json: string, tensors: Record<string, Tensor>): unknown {
  const walk = (v: Json): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      if (typeof v.$tensor === 'string' || typeof v.$f32 === 'string') {
        const name = (v.$tensor ?? v.$f32) as string;
        const t = tensors[name];
        if (!t) throw new Error(`checkpoint: tensor '${name}' named in the state is missing from the file`);
        return v.$f32 !== undefined ? t.data : t;
      }
      if (Array.isArray(v.$i32)) return Int32Array.from(v.$i32 as number[]);
      if (Array.isArray(v.$u32)) return Uint32Array.from(v.$u32 as number[]);
      if (typeof v.$num === 'string') return Number(v.$num);
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  return walk(JSON.parse(json) as Json);
}
