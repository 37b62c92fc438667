/**
 * SVG charts through vega-lite and vega (rendered headless in Node; no canvas, no network).
 * vega and vega-lite are ES modules, loaded lazily with import() the first time a chart is drawn.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeAll, writeFileAtomic } from '../io/atomic';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type VegaLiteSpec = Record<string, any>;

/** Renders a vega-lite spec to an SVG string. */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const vl = await import('vega-lite');
  const vega = await import('vega');
  const compiled = vl.compile(spec as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Writes an SVG (or any text) to `file` atomically, creating its folder (see io/atomic.ts). */
export function writeTextAtomic(fn: string, file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileAtomic(fn, file, (fd) => writeAll(fd, Buffer.from(text, 'utf8')));
}
