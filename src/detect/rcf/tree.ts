/**
 * The Robust Random Cut Trees of one forest (Guha et al., ICML 2016), stored together in flat
 * typed arrays: no JS object per node, and none per tree.
 *
 * Leaves hold distinct points (a duplicate raises a leaf's mass); internal nodes hold a cut
 * (dimension, value: left when `x[dim] <= value`). Insertion follows the paper: draw a random cut
 * in the box of (subtree + new point), with the dimension chosen in proportion to its range; if it
 * separates the point, the point becomes a new leaf there, else descend along the existing cut.
 * Deletion splices the sibling into the parent.
 *
 * What makes it small (the open RCF library's ideas, our own code; see docs/detect.md):
 * - bounding boxes kept only for a share of the internal-node slots (`boxCacheFraction`, the
 *   library's `boundingBoxCacheFraction`), handed to the shallowest new nodes first; any other box
 *   is the union of the leaf points below the node, computed when needed. Scoring walks up from
 *   the leaf only until the point is inside the box, reading a kept box where there is one and
 *   otherwise widening the box by the sibling subtree; an insertion computes the boxes on its path
 *   bottom-up the same way; a deletion shrinks the kept boxes above it until one is unchanged.
 *   Boxes are exact min/max, so scores do not depend on the share kept.
 * - no parents and no internal masses: deletion finds the leaf's path by descending with its
 *   point; scoring needs only the leaf's and the whole tree's mass.
 * - points, cuts and kept boxes as float32 (as the library stores points), node ids as uint16.
 * About 37 bytes per sample point with three dimensions, sampler included, plus 24 per kept box,
 * against about 140 before.
 *
 * Node ids are per tree: leaves `0..capacity-1`, internal nodes `capacity..2*capacity-2`;
 * tree `t`'s slot for node `id` is `t * capacity + id` (internal: `t * capacity + id - capacity`).
 */
import { SluiceError } from '../../errors.js';
import { decodeTyped, encodeTyped } from '../codec.js';
import type { Rng } from '../random.js';

/** The trees' checkpoint: every array as base64 of its bytes (exact). */
export interface TreesState {
  readonly root: string;
  readonly total: string;
  readonly points: string;
  readonly leafMass: string;
  readonly left: string;
  readonly right: string;
  readonly cutDim: string;
  readonly cutVal: string;
  readonly freeLeaves: string;
  readonly freeInternal: string;
  readonly freeCount: string;
}

/** Scratch shared by every forest (JavaScript runs one update at a time), grown on demand. */
let stack = new Int32Array(64);
let path = new Int32Array(64);
let pathBoxes = new Float64Array(64);
function scratch(nodes: number, boxDoubles: number): void {
  if (stack.length < nodes) stack = new Int32Array(nodes);
  if (path.length < nodes) path = new Int32Array(nodes);
  if (pathBoxes.length < boxDoubles) pathBoxes = new Float64Array(boxDoubles);
}

export class RandomCutTrees {
  readonly count: number;
  readonly capacity: number;
  readonly dims: number;
  /** Per tree: root node id (-1 when empty) and total mass. */
  readonly root: Int32Array;
  readonly total: Int32Array;
  /** Leaf points at `(t * capacity + leaf) * dims`. */
  readonly points: Float32Array;
  readonly leafMass: Uint16Array;
  /** Internal nodes: children and cut. */
  readonly left: Uint16Array;
  readonly right: Uint16Array;
  readonly cutDim: Uint8Array;
  readonly cutVal: Float32Array;
  /**
   * Per tree, stacks of free ids: leaves; internal nodes with a kept box (from the bottom of the
   * tree's region) and without (from the top). `freeCount[3t..3t+2]`: their sizes.
   */
  readonly freeLeaves: Uint16Array;
  readonly freeInternal: Uint16Array;
  readonly freeCount: Int32Array;
  /** Internal nodes `capacity..capacity+cached-1` of each tree keep their bounding box (min then max). */
  readonly cached: number;
  readonly boxes: Float32Array;
  /** New internal nodes shallower than this take a slot with a kept box while one is free. */
  private readonly cacheDepth: number;

  constructor(count: number, capacity: number, dims: number, boxCacheFraction = 0) {
    if (capacity * 2 > 0xffff || dims > 0xff) {
      throw new SluiceError(`RandomCutTrees: capacity ${capacity} x dims ${dims} exceeds the uint16/uint8 layout (internal bug: the forest checks both)`, {
        domain: 'internal',
        code: 'RcfLayout',
      });
    }
    this.count = count;
    this.capacity = capacity;
    this.dims = dims;
    const n = count * capacity;
    this.root = new Int32Array(count).fill(-1);
    this.total = new Int32Array(count);
    this.points = new Float32Array(n * dims);
    this.leafMass = new Uint16Array(n);
    this.left = new Uint16Array(n);
    this.right = new Uint16Array(n);
    this.cutDim = new Uint8Array(n);
    this.cutVal = new Float32Array(n);
    this.freeLeaves = new Uint16Array(n);
    this.freeInternal = new Uint16Array(n);
    this.freeCount = new Int32Array(3 * count);
    const cached = Math.round(boxCacheFraction * (capacity - 1));
    this.cached = cached;
    this.cacheDepth = Math.ceil(Math.log2(cached + 1));
    this.boxes = new Float32Array(count * cached * 2 * dims);
    for (let t = 0; t < count; t++) {
      const b = t * capacity;
      for (let i = 0; i < capacity; i++) this.freeLeaves[b + i] = capacity - 1 - i;
      for (let i = 0; i < cached; i++) this.freeInternal[b + i] = capacity + cached - 1 - i;
      for (let i = 0; i < capacity - 1 - cached; i++) this.freeInternal[b + capacity - 1 - i] = 2 * capacity - 2 - i;
      this.freeCount[3 * t] = capacity;
      this.freeCount[3 * t + 1] = cached;
      this.freeCount[3 * t + 2] = capacity - 1 - cached;
    }
  }

  /** Descends from the root along the cuts; fills `path` (root first), returns the leaf's depth. */
  private descend(t: number, p: ArrayLike<number>, off = 0): number {
    scratch(this.capacity + 1, 0);
    let node = this.root[t]!;
    let depth = 0;
    path[0] = node;
    const cap = this.capacity;
    const base = t * cap - cap;
    while (node >= cap) {
      const i = base + node;
      node = p[off + this.cutDim[i]!]! <= this.cutVal[i]! ? this.left[i]! : this.right[i]!;
      path[++depth] = node;
    }
    return depth;
  }

  private equalsLeaf(t: number, leaf: number, p: ArrayLike<number>): boolean {
    const off = (t * this.capacity + leaf) * this.dims;
    for (let d = 0; d < this.dims; d++) if (this.points[off + d] !== p[d]) return false;
    return true;
  }

  /** Widens `box` (min at `o`, max at `o + dims`) by every leaf point below `node`. */
  private unionSubtree(t: number, node: number, box: Float64Array, o: number): void {
    const D = this.dims;
    const cap = this.capacity;
    const base = t * cap;
    const pts = this.points;
    let top = 0;
    stack[top++] = node;
    while (top > 0) {
      const n = stack[--top]!;
      if (n < cap) {
        const off = (base + n) * D;
        for (let d = 0; d < D; d++) {
          const v = pts[off + d]!;
          if (v < box[o + d]!) box[o + d] = v;
          if (v > box[o + D + d]!) box[o + D + d] = v;
        }
      } else if (n - cap < this.cached) {
        const bo = this.boxAt(t, n);
        for (let d = 0; d < D; d++) {
          if (this.boxes[bo + d]! < box[o + d]!) box[o + d] = this.boxes[bo + d]!;
          if (this.boxes[bo + D + d]! > box[o + D + d]!) box[o + D + d] = this.boxes[bo + D + d]!;
        }
      } else {
        stack[top++] = this.left[base + n - cap]!;
        stack[top++] = this.right[base + n - cap]!;
      }
    }
  }

  /** Offset of a cached internal node's box in `boxes`. */
  private boxAt(t: number, node: number): number {
    return (t * this.cached + node - this.capacity) * 2 * this.dims;
  }

  private isCached(node: number): boolean {
    return node >= this.capacity && node - this.capacity < this.cached;
  }

  /** `box[o..]` := the box of `node` (which may be a leaf), in a cleared or any state. */
  private boxOf(t: number, node: number, box: Float64Array, o: number): void {
    const D = this.dims;
    if (this.isCached(node)) {
      const bo = this.boxAt(t, node);
      for (let d = 0; d < 2 * D; d++) box[o + d] = this.boxes[bo + d]!;
      return;
    }
    for (let d = 0; d < D; d++) {
      box[o + d] = Number.POSITIVE_INFINITY;
      box[o + D + d] = Number.NEGATIVE_INFINITY;
    }
    this.unionSubtree(t, node, box, o);
  }

  private sibling(t: number, parent: number, child: number): number {
    const i = t * this.capacity + parent - this.capacity;
    return this.left[i] === child ? this.right[i]! : this.left[i]!;
  }

  /**
   * Inserts a point (already rounded to float32 by the caller) into tree `t`; returns the leaf
   * that holds it (an existing leaf for a duplicate).
   */
  insert(t: number, p: ArrayLike<number>, rng: Rng): number {
    const D = this.dims;
    const cap = this.capacity;
    if (this.root[t]! < 0) {
      const leaf = this.newLeaf(t, p);
      this.root[t] = leaf;
      this.total[t] = 1;
      return leaf;
    }
    const depth = this.descend(t, p);
    // The boxes of the path's nodes, bottom-up: each is its child's box plus the sibling subtree.
    scratch(cap + 1, (depth + 1) * 2 * D);
    const box = pathBoxes;
    const leafOff = (t * cap + path[depth]!) * D;
    for (let d = 0; d < D; d++) box[depth * 2 * D + d] = box[depth * 2 * D + D + d] = this.points[leafOff + d]!;
    for (let k = depth - 1; k >= 0; k--) {
      const o = k * 2 * D;
      if (this.isCached(path[k]!)) this.boxOf(t, path[k]!, box, o);
      else {
        box.copyWithin(o, o + 2 * D, o + 4 * D);
        this.unionSubtree(t, this.sibling(t, path[k]!, path[k + 1]!), box, o);
      }
    }
    this.total[t]!++;
    for (let k = 0; ; k++) {
      const node = path[k]!;
      if (k === depth && this.equalsLeaf(t, node, p)) {
        this.leafMass[t * cap + node]!++;
        return node;
      }
      const o = k * 2 * D;
      let total = 0;
      for (let d = 0; d < D; d++) total += Math.max(box[o + D + d]!, p[d]!) - Math.min(box[o + d]!, p[d]!);
      let r = rng.next() * total;
      let dim = 0;
      let cut = 0;
      for (let d = 0; d < D; d++) {
        const lo = Math.min(box[o + d]!, p[d]!);
        const range = Math.max(box[o + D + d]!, p[d]!) - lo;
        if (r < range || d === D - 1) {
          dim = d;
          cut = Math.fround(lo + Math.min(r, range));
          if (range > 0 && cut >= lo + range) cut = lo; // rounding reached the top edge: cut at the bottom
          break;
        }
        r -= range;
      }
      const bmin = box[o + dim]!;
      const bmax = box[o + D + dim]!;
      const pd = p[dim]!;
      const separates = (pd <= cut && cut < bmin) || (pd > cut && cut >= bmax) || k === depth;
      if (!separates) {
        // the cut falls inside this node's box: the point joins its subtree
        if (this.isCached(node)) {
          const bo = this.boxAt(t, node);
          for (let d = 0; d < D; d++) {
            if (p[d]! < this.boxes[bo + d]!) this.boxes[bo + d] = p[d]!;
            if (p[d]! > this.boxes[bo + D + d]!) this.boxes[bo + D + d] = p[d]!;
          }
        }
        continue;
      }
      const leaf = this.newLeaf(t, p);
      const m = this.allocInternal(t, k);
      const mi = t * cap + m - cap;
      this.cutDim[mi] = dim;
      this.cutVal[mi] = cut;
      this.left[mi] = pd <= cut ? leaf : node;
      this.right[mi] = pd <= cut ? node : leaf;
      if (this.isCached(m)) {
        const bo = this.boxAt(t, m);
        for (let d = 0; d < D; d++) {
          this.boxes[bo + d] = Math.min(box[o + d]!, p[d]!);
          this.boxes[bo + D + d] = Math.max(box[o + D + d]!, p[d]!);
        }
      }
      if (k === 0) this.root[t] = m;
      else {
        const pi = t * cap + path[k - 1]! - cap;
        if (this.left[pi] === node) this.left[pi] = m;
        else this.right[pi] = m;
      }
      return leaf;
    }
  }

  /** Removes one unit of mass from a leaf of tree `t` (the leaf goes when its mass reaches zero). */
  remove(t: number, leaf: number): void {
    const cap = this.capacity;
    const slot = t * cap + leaf;
    const depth = this.descend(t, this.points, slot * this.dims);
    if (path[depth] !== leaf) throw new SluiceError(`RandomCutTrees: leaf ${leaf} of tree ${t} is not where its point leads (internal bug)`, { domain: 'internal', code: 'RcfTreeCorrupt' });
    this.total[t]!--;
    if (this.leafMass[slot]! > 1) {
      this.leafMass[slot]!--;
      return;
    }
    this.leafMass[slot] = 0;
    this.freeLeaves[t * cap + this.freeCount[3 * t]!++] = leaf;
    if (depth === 0) {
      this.root[t] = -1;
      return;
    }
    const par = path[depth - 1]!;
    const sib = this.sibling(t, par, leaf);
    if (depth === 1) this.root[t] = sib;
    else {
      const gi = t * cap + path[depth - 2]! - cap;
      if (this.left[gi] === par) this.left[gi] = sib;
      else this.right[gi] = sib;
    }
    this.freeInternalId(t, par);
    if (this.cached > 0 && depth >= 2) this.shrinkBoxes(t, depth - 2, sib);
  }

  /**
   * After a deletion under `path[k]` (whose child is now `child`), recomputes the cached boxes of
   * `path[k]` and above; stops at the first cached box that does not change.
   */
  private shrinkBoxes(t: number, k: number, child: number): void {
    const D = this.dims;
    scratch(this.capacity + 1, 2 * D);
    const box = pathBoxes;
    this.boxOf(t, child, box, 0);
    for (; k >= 0; k--) {
      const a = path[k]!;
      this.unionSubtree(t, this.sibling(t, a, child), box, 0);
      child = a;
      if (!this.isCached(a)) continue;
      const bo = this.boxAt(t, a);
      let same = true;
      for (let d = 0; d < 2 * D; d++) {
        if (this.boxes[bo + d] !== box[d]) {
          same = false;
          this.boxes[bo + d] = box[d]!;
        }
      }
      if (same) return; // every box above is unchanged too
    }
  }

  /** Recomputes every cached box of tree `t` (after a restore): post-order from the root. */
  private rebuildBoxes(t: number, node: number): void {
    if (node < this.capacity) return;
    const i = t * this.capacity + node - this.capacity;
    this.rebuildBoxes(t, this.left[i]!);
    this.rebuildBoxes(t, this.right[i]!);
    if (!this.isCached(node)) return;
    scratch(this.capacity + 1, 2 * this.dims);
    const box = pathBoxes;
    this.boxOf(t, this.left[i]!, box, 0);
    this.unionSubtree(t, this.right[i]!, box, 0);
    const bo = this.boxAt(t, node);
    for (let d = 0; d < 2 * this.dims; d++) this.boxes[bo + d] = box[d]!;
  }

  /**
   * An internal id for a new node at `depth`: boxes are worth keeping near the root (a score's walk
   * up stops at the first kept box), so shallow nodes take the kept-box slots first.
   */
  private allocInternal(t: number, depth: number): number {
    const b = t * this.capacity;
    const c = this.freeCount;
    if ((depth < this.cacheDepth && c[3 * t + 1]! > 0) || c[3 * t + 2] === 0) return this.freeInternal[b + --c[3 * t + 1]!]!;
    return this.freeInternal[b + this.capacity - 1 - --c[3 * t + 2]!]!;
  }

  private freeInternalId(t: number, id: number): void {
    const b = t * this.capacity;
    if (this.isCached(id)) this.freeInternal[b + this.freeCount[3 * t + 1]!++] = id;
    else this.freeInternal[b + this.capacity - 1 - this.freeCount[3 * t + 2]!++] = id;
  }

  private newLeaf(t: number, p: ArrayLike<number>): number {
    if (this.freeCount[3 * t] === 0) throw new SluiceError('RandomCutTrees: capacity exceeded (internal bug: sampler overfilled)', { domain: 'internal', code: 'RcfTreeCorrupt' });
    const leaf = this.freeLeaves[t * this.capacity + --this.freeCount[3 * t]!]!;
    const off = (t * this.capacity + leaf) * this.dims;
    for (let d = 0; d < this.dims; d++) this.points[off + d] = p[d]!;
    this.leafMass[t * this.capacity + leaf] = 1;
    return leaf;
  }

  /**
   * RCF's anomaly score of `p` in tree `t` (the open RCF library's scalar visitor):
   * at the leaf reached, `1 / (depth + 1)` (unseen) or a damped `1 / (depth + log2(mass + 1))`
   * (seen); then up the path, mix in `1 / (depth + 1)` with the probability that a random cut
   * separates `p` from the node's box. Normalised by `log2(treeMass + 1)`.
   * When `attr` (length 2 * dims: low then high) is given, adds this tree's per-dimension share.
   */
  score(t: number, p: ArrayLike<number>, attr?: Float64Array): number {
    if (this.root[t]! < 0) return 0;
    const D = this.dims;
    const cap = this.capacity;
    const depth = this.descend(t, p);
    const node = path[depth]!;
    const treeMass = this.total[t]!;
    const leafMass = this.leafMass[t * cap + node]!;
    let score: number;
    const local = attr === undefined ? undefined : new Float64Array(2 * D);
    if (this.equalsLeaf(t, node, p)) {
      score = (1 - leafMass / (2 * treeMass)) / (depth + Math.log2(leafMass + 1));
      if (local !== undefined) for (let d = 0; d < D; d++) local[d] = local[D + d] = score / (2 * D);
      return this.finish(score, treeMass, local, attr);
    }
    score = 1 / (depth + 1);
    const off = (t * cap + node) * D;
    if (local !== undefined) {
      let gap = 0;
      for (let d = 0; d < D; d++) gap += Math.abs(p[d]! - this.points[off + d]!);
      for (let d = 0; d < D; d++) {
        const g = p[d]! - this.points[off + d]!;
        if (g < 0) local[d] = (score * -g) / gap;
        else local[D + d] = (score * g) / gap;
      }
    }
    // the box of the node at each level, grown from the leaf by each sibling subtree on the way up
    scratch(cap + 1, 2 * D);
    const box = pathBoxes;
    for (let d = 0; d < D; d++) box[d] = box[D + d] = this.points[off + d]!;
    for (let k = depth - 1; k >= 0; k--) {
      if (this.isCached(path[k]!)) this.boxOf(t, path[k]!, box, 0);
      else this.unionSubtree(t, this.sibling(t, path[k]!, path[k + 1]!), box, 0);
      let sep = 0;
      let range = 0;
      for (let d = 0; d < D; d++) {
        const lo = box[d]!;
        const hi = box[D + d]!;
        const x = p[d]!;
        if (x < lo) {
          sep += lo - x;
          range += hi - x;
        } else if (x > hi) {
          sep += x - hi;
          range += x - lo;
        } else range += hi - lo;
      }
      if (sep === 0) break; // inside the box: nothing above can separate it either
      const prob = sep / range;
      const unseen = 1 / (k + 1);
      score = prob * unseen + (1 - prob) * score;
      if (local !== undefined) {
        for (let d = 0; d < D; d++) {
          const lo = box[d]!;
          const hi = box[D + d]!;
          const x = p[d]!;
          local[d] = (1 - prob) * local[d]! + (x < lo ? ((lo - x) / range) * unseen : 0);
          local[D + d] = (1 - prob) * local[D + d]! + (x > hi ? ((x - hi) / range) * unseen : 0);
        }
      }
    }
    return this.finish(score, treeMass, local, attr);
  }

  private finish(score: number, treeMass: number, local: Float64Array | undefined, attr?: Float64Array): number {
    const norm = Math.log2(treeMass + 1);
    if (local !== undefined && attr !== undefined) for (let i = 0; i < local.length; i++) attr[i]! += local[i]! * norm;
    return score * norm;
  }

  toState(): TreesState {
    return {
      root: encodeTyped(this.root),
      total: encodeTyped(this.total),
      points: encodeTyped(this.points),
      leafMass: encodeTyped(this.leafMass),
      left: encodeTyped(this.left),
      right: encodeTyped(this.right),
      cutDim: encodeTyped(this.cutDim),
      cutVal: encodeTyped(this.cutVal),
      freeLeaves: encodeTyped(this.liveStacks(this.freeLeaves, 0)),
      freeInternal: encodeTyped(this.liveStacks(this.freeInternal, 1)),
      freeCount: encodeTyped(this.freeCount),
    };
  }

  /**
   * The live entries of every tree's free stacks, in order (the checkpoint keeps only these):
   * `kind` 0 the leaf stack; 1 the two internal stacks (kept boxes from the bottom, others from the top).
   */
  private liveStacks(a: Uint16Array, kind: 0 | 1): Uint16Array {
    const out: number[] = [];
    const cap = this.capacity;
    for (let t = 0; t < this.count; t++) {
      const b = t * cap;
      const c = this.freeCount;
      if (kind === 0) for (let i = 0; i < c[3 * t]!; i++) out.push(a[b + i]!);
      else {
        for (let i = 0; i < c[3 * t + 1]!; i++) out.push(a[b + i]!);
        for (let i = cap - c[3 * t + 2]!; i < cap; i++) out.push(a[b + i]!);
      }
    }
    return Uint16Array.from(out);
  }

  private setLiveStacks(a: Uint16Array, kind: 0 | 1, live: Uint16Array): void {
    const cap = this.capacity;
    let k = 0;
    for (let t = 0; t < this.count; t++) {
      const b = t * cap;
      const c = this.freeCount;
      if (kind === 0) for (let i = 0; i < c[3 * t]!; i++) a[b + i] = live[k++]!;
      else {
        for (let i = 0; i < c[3 * t + 1]!; i++) a[b + i] = live[k++]!;
        for (let i = cap - c[3 * t + 2]!; i < cap; i++) a[b + i] = live[k++]!;
      }
    }
  }

  static fromState(count: number, capacity: number, dims: number, boxCacheFraction: number, s: TreesState): RandomCutTrees {
    const t = new RandomCutTrees(count, capacity, dims, boxCacheFraction);
    decodeTyped(s.root, t.root, 'trees.root');
    decodeTyped(s.total, t.total, 'trees.total');
    decodeTyped(s.points, t.points, 'trees.points');
    decodeTyped(s.leafMass, t.leafMass, 'trees.leafMass');
    decodeTyped(s.left, t.left, 'trees.left');
    decodeTyped(s.right, t.right, 'trees.right');
    decodeTyped(s.cutDim, t.cutDim, 'trees.cutDim');
    decodeTyped(s.cutVal, t.cutVal, 'trees.cutVal');
    decodeTyped(s.freeCount, t.freeCount, 'trees.freeCount');
    t.setLiveStacks(t.freeLeaves, 0, decodeTyped(s.freeLeaves, new Uint16Array(t.liveStacks(t.freeLeaves, 0).length), 'trees.freeLeaves'));
    t.setLiveStacks(t.freeInternal, 1, decodeTyped(s.freeInternal, new Uint16Array(t.liveStacks(t.freeInternal, 1).length), 'trees.freeInternal'));
    for (let i = 0; i < count; i++) if (t.root[i]! >= 0) t.rebuildBoxes(i, t.root[i]!);
    return t;
  }
}
