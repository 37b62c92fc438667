/**
 * JSON.parse keeps the last of duplicated keys silently; a checkpoint header with two entries of
 * one name is ambiguous (another reader may keep the first), so the loader rejects it. This scans a
 * text that JSON.parse has already accepted and reports the first key repeated within one object.
 */

interface Frame {
  isObject: boolean;
  keys: Set<string> | null;
  expectKey: boolean;
  /** the key of the value being read (objects), for messages */
  current: string;
  /** where this container sits, for messages: `__metadata__`, `w.shape`, … */
  where: string;
}

/** Index of the quote that closes the JSON string opening at `i`, stepping over escapes. */
function closingQuote(text: string, i: number): number {
  let j = i + 1;
  while (j < text.length && text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c ? 2 : 1;
  return j;
}

/** The first duplicate key and the object holding it (`where`, '' for the top level), or null. */
export function findDuplicateKey(text: string): { key: string; where: string } | null {
  const stack: Frame[] = [];
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const j = closingQuote(text, i);
      const top = stack[stack.length - 1];
      if (top && top.isObject && top.expectKey) {
        const raw = text.slice(i, j + 1);
        const key = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        if (top.keys!.has(key)) return { key, where: top.where };
        top.keys!.add(key);
        top.expectKey = false;
        top.current = key;
      }
      i = j;
    } else if (c === 0x7b || c === 0x5b) {
      const top = stack[stack.length - 1];
      const where = !top ? '' : top.isObject ? (top.where ? `${top.where}.${top.current}` : top.current) : `${top.where}[]`;
      const isObject = c === 0x7b;
      stack.push({ isObject, keys: isObject ? new Set() : null, expectKey: isObject, current: '', where });
    } else if (c === 0x7d || c === 0x5d) {
      stack.pop();
    } else if (c === 0x2c) {
      const top = stack[stack.length - 1];
      if (top && top.isObject) top.expectKey = true;
    }
  }
  return null;
}

/**
 * A look at a JSON text before JSON.parse builds it, in one pass without allocating: is it nested
 * deeper than `maxDepth`, or does it hold more than `maxItems` items (',', ':', '{' and '[' outside
 * strings: about one per key, value and container)? JSON.parse costs far more than the text for
 * many tiny items — a 94 MB header of `{},{},…` takes 46 s and 2 GB of heap, 9 million one-letter
 * metadata keys more than ten minutes — so file-supplied JSON is bounded first.
 */
export function jsonSizeProblem(text: string, maxDepth: number, maxItems: number): 'depth' | 'items' | null {
  let depth = 0;
  let items = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = closingQuote(text, i);
    } else if (c === 0x7b || c === 0x5b) {
      items++;
      if (++depth > maxDepth) return 'depth';
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    } else if (c === 0x2c || c === 0x3a) {
      items++;
    }
    if (items > maxItems) return 'items';
  }
  return null;
}
