/**
 * Word count: the input is the files' text, each partition counts the words
 * of whole files, and merge sums the counts and keeps the most frequent.
 * Counts travel as a Map: the value model carries it exactly, and unlike a
 * plain object it takes any word as a key (an own `__proto__` key is refused).
 */
import { badInput, defineTask } from '@cohort/sdk';

export interface TextFile {
  name: string;
  text: string;
}

interface Input {
  files: TextFile[];
}

interface Counts {
  files: number;
  words: number;
  counts: Map<string, number>;
}

/** How many of the most frequent words the merged result keeps. */
const TOP = 10;
/** A word: a letter, then letters and digits, with inner apostrophes or hyphens (don't, well-known, utf-8). */
const WORD = /\p{L}[\p{L}\p{N}]*(?:['’-][\p{L}\p{N}]+)*/gu;

export default defineTask({
  name: 'word-count',

  /** Whole files per partition: the largest first, each into the partition with the fewest characters so far. */
  split(input: Input, n: number): TextFile[][] {
    const files = input?.files;
    if (!Array.isArray(files) || files.length === 0) throw badInput('word-count', 'input must be {files: [{name, text}, …]} with at least one file');
    for (const f of files) if (typeof f?.name !== 'string' || typeof f.text !== 'string') throw badInput('word-count', 'each file must be {name, text}');
    const parts = Array.from({ length: Math.min(n, files.length) }, () => ({ chars: 0, files: [] as TextFile[] }));
    const largestFirst = [...files].sort((a, b) => b.text.length - a.text.length || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const file of largestFirst) {
      const lightest = parts.reduce((min, p) => (p.chars < min.chars ? p : min));
      lightest.files.push(file);
      lightest.chars += file.text.length;
    }
    return parts.map((p) => p.files);
  },

  run(files: TextFile[]): Counts {
    const counts = new Map<string, number>();
    let words = 0;
    for (const file of files) {
      for (const [word] of file.text.toLowerCase().matchAll(WORD)) {
        counts.set(word, (counts.get(word) ?? 0) + 1);
        words++;
      }
    }
    return { files: files.length, words, counts };
  },

  merge(results: Counts[]) {
    const total = new Map<string, number>();
    for (const r of results) for (const [word, count] of r.counts) total.set(word, (total.get(word) ?? 0) + count);
    const top = [...total].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, TOP);
    return {
      files: results.reduce((sum, r) => sum + r.files, 0),
      words: results.reduce((sum, r) => sum + r.words, 0),
      distinct: total.size,
      // [word, count] pairs, most frequent first: plain JSON, as the HTTP API and the SDK show it.
      top,
    };
  },

  profile: { isolation: 'auto' },
});
