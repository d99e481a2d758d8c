// A sorted set of non-negative integers (taken address indices) in chunks of bounded length, so an
// insert or delete moves at most a chunk's worth of elements instead of the whole set, and the
// lowest missing integer is found by walking chunk ends plus one binary search.

const maxChunk = 1024;

export class SortedOffsets {
  private readonly chunks: number[][] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The chunk that holds value, or would: the first whose last element is >= value. */
  private chunkFor(value: number): number {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const chunk = this.chunks[mid]!;
      if (chunk[chunk.length - 1]! < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private static position(chunk: readonly number[], value: number): number {
    let lo = 0;
    let hi = chunk.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (chunk[mid]! < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  has(value: number): boolean {
    const chunk = this.chunks[this.chunkFor(value)];
    return chunk !== undefined && chunk[SortedOffsets.position(chunk, value)] === value;
  }

  add(value: number): void {
    let index = this.chunkFor(value);
    if (index === this.chunks.length) {
      if (index === 0) {
        this.chunks.push([value]);
        this.count++;
        return;
      }
      index--;
    }
    const chunk = this.chunks[index]!;
    const at = SortedOffsets.position(chunk, value);
    if (chunk[at] === value) return;
    chunk.splice(at, 0, value);
    this.count++;
    if (chunk.length > maxChunk) this.chunks.splice(index + 1, 0, chunk.splice(maxChunk / 2));
  }

  delete(value: number): boolean {
    const index = this.chunkFor(value);
    const chunk = this.chunks[index];
    if (chunk === undefined) return false;
    const at = SortedOffsets.position(chunk, value);
    if (chunk[at] !== value) return false;
    chunk.splice(at, 1);
    this.count--;
    if (chunk.length === 0) this.chunks.splice(index, 1);
    return true;
  }

  /** The smallest integer >= 0 not in the set. */
  lowestMissing(): number {
    // Elements are distinct and sorted, so element - rank never decreases; the first chunk whose
    // last element exceeds its rank holds (or is preceded by) the first gap.
    let base = 0;
    for (const chunk of this.chunks) {
      const end = base + chunk.length - 1;
      if (chunk[chunk.length - 1]! > end) {
        let lo = 0;
        let hi = chunk.length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (chunk[mid]! > base + mid) hi = mid;
          else lo = mid + 1;
        }
        return base + lo;
      }
      base = end + 1;
    }
    return base;
  }
}
