/**
 * The addon's op tables (native/kernels/elementwise.h) as codes by name. It imports only the addon,
 * so the op files can read it while the tensor ↔ ops import cycle is still loading.
 */
import { native } from '../native';

/**
 * The code of each of `names` in the addon's op table `table` (native/kernels/elementwise.h, where
 * a code is the op's position). An addon that lacks one of them was built from older sources.
 */
export function opCodes<N extends string>(table: 'binaryOps' | 'unaryOps', names: readonly N[]): Record<N, number> {
  const list: readonly string[] = native[table];
  const codes = {} as Record<N, number>;
  for (const name of names) {
    const code = list.indexOf(name);
    if (code < 0)
      throw new Error(
        `nativegrad: the native addon has no '${name}' op in its ${table} table (${list.join(', ')}): it was built from older sources; rebuild it (npm run build:native)`,
      );
    codes[name] = code;
  }
  return codes;
}
