/**
 * One Robust Random Cut Tree (Guha et al., ICML 2016) on typed arrays.
 *
 * Leaves hold distinct points (duplicates raise a leaf's mass); internal nodes hold a cut
 * (dimension, value: left when `x[dim] <= value`) and the bounding box of their subtree.
 * Insertion follows the paper: draw a random cut in the box of (subtree + new point), with the
 * dimension chosen in proportion to its range; if it separates the point, the point becomes a new
 * leaf there, else descend along the existing cut. Deletion splices the sibling into the parent.
 * Node ids: leaves `0..capacity-1`, internal nodes `capacity..2*capacity-2`.
 */
import { decodeF64, decodeI32, encodeF64, encodeI32 } from '../codec.js';
import type { Rng } from '../random.js';

/**
 * A tree's checkpoint: the structure (children, cuts, masses, leaf points) as base64 typed arrays.
 * Parents and boxes are derived on restore (boxes are exact min/max of leaf points, so identical).
 */
export interface TreeState {
  readonly root: number;
  readonly left: string;
  readonly right: string;
  readonly cutDim: string;
  readonly cutVal: string;
  readonly mass: string;
  readonly points: string;
  readonly freeLeaves: number[];
  readonly freeInternal: number[];
}

export class RandomCutTree {
  readonly capacity: number;
  readonly dims: number;
  root = -1;
  readonly parent: Int32Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly cutDim: Int32Array;
  readonly cutVal: Float64Array;
  readonly mass: Int32Array;
  /** Internal boxes at `(id - capacity) * dims`. */
  readonly boxMin: Float64Array;
  readonly boxMax: Float64Array;
  /** Leaf points at `id * dims`. */
  readonly points: Float64Array;
  private freeLeaves: number[];
  private freeInternal: number[];

  constructor(capacity: number, dims: number) {
    this.capacity = capacity;
    this.dims = dims;
    const nodes = 2 * capacity;
    this.parent = new Int32Array(nodes).fill(-1);
    this.left = new Int32Array(nodes).fill(-1);
    this.right = new Int32Array(nodes).fill(-1);
    this.cutDim = new Int32Array(nodes);
    this.cutVal = new Float64Array(nodes);
    this.mass = new Int32Array(nodes);
    this.boxMin = new Float64Array(capacity * dims);
    this.boxMax = new Float64Array(capacity * dims);
    this.points = new Float64Array(capacity * dims);
    this.freeLeaves = Array.from({ length: capacity }, (_, i) => capacity - 1 - i);
    this.freeInternal = Array.from({ length: capacity - 1 }, (_, i) => 2 * capacity - 2 - i);
  }

  get totalMass(): number {
    return this.root < 0 ? 0 : this.mass[this.root]!;
  }

  isLeaf(id: number): boolean {
    return id < this.capacity;
  }

  private equalsLeaf(leaf: number, p: ArrayLike<number>): boolean {
    const off = leaf * this.dims;
    for (let d = 0; d < this.dims; d++) if (this.points[off + d] !== p[d]) return false;
    return true;
  }

  /** Inserts a point; returns the leaf that holds it (an existing leaf for a duplicate). */
  insert(p: ArrayLike<number>, rng: Rng): number {
    const D = this.dims;
    if (this.root < 0) {
      const leaf = this.newLeaf(p);
      this.root = leaf;
      return leaf;
    }
    let node = this.root;
    for (;;) {
      if (node < this.capacity && this.equalsLeaf(node, p)) {
        this.mass[node]!++; // its ancestors were counted on the way down
        return node;
      }
      const leafNode = node < this.capacity;
      const arr = leafNode ? this.points : this.boxMin;
      const hiArr = leafNode ? this.points : this.boxMax;
      const off = (leafNode ? node : node - this.capacity) * D;
      let total = 0;
      for (let d = 0; d < D; d++) {
        const lo = Math.min(arr[off + d]!, p[d]!);
        const hi = Math.max(hiArr[off + d]!, p[d]!);
        total += hi - lo;
      }
      let r = rng.next() * total;
      let dim = 0;
      let cut = 0;
      for (let d = 0; d < D; d++) {
        const lo = Math.min(arr[off + d]!, p[d]!);
        const range = Math.max(hiArr[off + d]!, p[d]!) - lo;
        if (r < range || d === D - 1) {
          dim = d;
          cut = lo + Math.min(r, range);
          if (range > 0 && cut >= lo + range) cut = lo; // guard against rounding at the top edge
          break;
        }
        r -= range;
      }
      const bmin = arr[off + dim]!;
      const bmax = hiArr[off + dim]!;
      const pd = p[dim]!;
      const separates = (pd <= cut && cut < bmin) || (pd > cut && cut >= bmax) || node < this.capacity;
      if (separates) {
        const leaf = this.newLeaf(p);
        const m = this.freeInternal.pop()!;
        const par = this.parent[node]!;
        this.cutDim[m] = dim;
        this.cutVal[m] = cut;
        if (pd <= cut) {
          this.left[m] = leaf;
          this.right[m] = node;
        } else {
          this.left[m] = node;
          this.right[m] = leaf;
        }
        this.parent[leaf] = m;
        this.parent[node] = m;
        this.parent[m] = par;
        this.mass[m] = this.mass[node]! + 1;
        const mo = (m - this.capacity) * D;
        for (let d = 0; d < D; d++) {
          this.boxMin[mo + d] = Math.min(arr[off + d]!, p[d]!);
          this.boxMax[mo + d] = Math.max(hiArr[off + d]!, p[d]!);
        }
        if (par < 0) this.root = m;
        else if (this.left[par] === node) this.left[par] = m;
        else this.right[par] = m;
        return leaf;
      }
      // The cut falls inside this (internal) node's box: the point joins its subtree.
      this.mass[node]!++;
      for (let d = 0; d < D; d++) {
        if (p[d]! < arr[off + d]!) arr[off + d] = p[d]!;
        if (p[d]! > hiArr[off + d]!) hiArr[off + d] = p[d]!;
      }
      node = p[this.cutDim[node]!]! <= this.cutVal[node]! ? this.left[node]! : this.right[node]!;
    }
  }

  /** Removes one unit of mass from a leaf (the leaf goes when its mass reaches zero). */
  remove(leaf: number): void {
    if (this.mass[leaf]! > 1) {
      for (let a = leaf; a >= 0; a = this.parent[a]!) this.mass[a]!--;
      return;
    }
    const par = this.parent[leaf]!;
    this.mass[leaf] = 0;
    this.parent[leaf] = -1;
    this.freeLeaves.push(leaf);
    if (par < 0) {
      this.root = -1;
      return;
    }
    const sib = this.left[par] === leaf ? this.right[par]! : this.left[par]!;
    const grand = this.parent[par]!;
    this.parent[sib] = grand;
    if (grand < 0) this.root = sib;
    else if (this.left[grand] === par) this.left[grand] = sib;
    else this.right[grand] = sib;
    this.parent[par] = -1;
    this.left[par] = -1;
    this.right[par] = -1;
    this.freeInternal.push(par);
    const D = this.dims;
    const cap = this.capacity;
    let boxesDone = false;
    for (let a = grand; a >= 0; a = this.parent[a]!) {
      this.mass[a]!--;
      if (boxesDone) continue;
      const ao = (a - cap) * D;
      const l = this.left[a]!;
      const r = this.right[a]!;
      const lLo = l < cap ? this.points : this.boxMin;
      const lHi = l < cap ? this.points : this.boxMax;
      const lo = (l < cap ? l : l - cap) * D;
      const rLo = r < cap ? this.points : this.boxMin;
      const rHi = r < cap ? this.points : this.boxMax;
      const ro = (r < cap ? r : r - cap) * D;
      let changed = false;
      for (let d = 0; d < D; d++) {
        const mn = Math.min(lLo[lo + d]!, rLo[ro + d]!);
        const mx = Math.max(lHi[lo + d]!, rHi[ro + d]!);
        if (mn !== this.boxMin[ao + d] || mx !== this.boxMax[ao + d]) {
          changed = true;
          this.boxMin[ao + d] = mn;
          this.boxMax[ao + d] = mx;
        }
      }
      // an unchanged box leaves every box above it unchanged too
      if (!changed) boxesDone = true;
    }
  }

  private newLeaf(p: ArrayLike<number>): number {
    const leaf = this.freeLeaves.pop();
    if (leaf === undefined) throw new Error('RandomCutTree: capacity exceeded (internal bug: sampler overfilled)');
    const off = leaf * this.dims;
    for (let d = 0; d < this.dims; d++) this.points[off + d] = p[d]!;
    this.mass[leaf] = 1;
    this.parent[leaf] = -1;
    return leaf;
  }

  /**
   * RCF's anomaly score of `p` in this tree (the open RCF library's scalar visitor):
   * at the leaf reached, `1 / (depth + 1)` (unseen) or a damped `1 / (depth + log2(mass + 1))`
   * (seen); then up the path, mix in `1 / (depth + 1)` with the probability that a random cut
   * separates `p` from the node's box. Normalised by `log2(treeMass + 1)`.
   * When `attr` (length 2 * dims: low then high) is given, adds this tree's per-dimension share.
   */
  score(p: ArrayLike<number>, path: Int32Array, attr?: Float64Array): number {
    if (this.root < 0) return 0;
    const D = this.dims;
    let depth = 0;
    let node = this.root;
    path[0] = node;
    const cap = this.capacity;
    const cutDim = this.cutDim;
    const cutVal = this.cutVal;
    const left = this.left;
    const right = this.right;
    while (node >= cap) {
      node = p[cutDim[node]!]! <= cutVal[node]! ? left[node]! : right[node]!;
      path[++depth] = node;
    }
    const treeMass = this.mass[this.root]!;
    const leafMass = this.mass[node]!;
    let score: number;
    const local = attr === undefined ? undefined : new Float64Array(2 * D);
    if (this.equalsLeaf(node, p)) {
      score = (1 - leafMass / (2 * treeMass)) / (depth + Math.log2(leafMass + 1));
      if (local !== undefined) for (let d = 0; d < D; d++) local[d] = local[D + d] = score / (2 * D);
      return this.finish(score, treeMass, local, attr);
    }
    score = 1 / (depth + 1);
    if (local !== undefined) {
      let gap = 0;
      const off = node * D;
      for (let d = 0; d < D; d++) gap += Math.abs(p[d]! - this.points[off + d]!);
      for (let d = 0; d < D; d++) {
        const g = p[d]! - this.points[off + d]!;
        if (g < 0) local[d] = (score * -g) / gap;
        else local[D + d] = (score * g) / gap;
      }
    }
    const boxMin = this.boxMin;
    const boxMax = this.boxMax;
    for (let k = depth - 1; k >= 0; k--) {
      const id = path[k]!;
      const bo = (id - cap) * D;
      let sep = 0;
      let range = 0;
      for (let d = 0; d < D; d++) {
        const lo = boxMin[bo + d]!;
        const hi = boxMax[bo + d]!;
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
          const lo = this.boxMin[bo + d]!;
          const hi = this.boxMax[bo + d]!;
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

  toState(): TreeState {
    return {
      root: this.root,
      left: encodeI32(this.left),
      right: encodeI32(this.right),
      cutDim: encodeI32(this.cutDim),
      cutVal: encodeF64(this.cutVal),
      mass: encodeI32(this.mass),
      points: encodeF64(this.points),
      freeLeaves: [...this.freeLeaves],
      freeInternal: [...this.freeInternal],
    };
  }

  static fromState(capacity: number, dims: number, s: TreeState): RandomCutTree {
    const t = new RandomCutTree(capacity, dims);
    t.root = s.root;
    t.left.set(decodeI32(s.left));
    t.right.set(decodeI32(s.right));
    t.cutDim.set(decodeI32(s.cutDim));
    t.cutVal.set(decodeF64(s.cutVal));
    t.mass.set(decodeI32(s.mass));
    t.points.set(decodeF64(s.points));
    t.freeLeaves = [...s.freeLeaves];
    t.freeInternal = [...s.freeInternal];
    if (t.root >= 0) t.rebuild(t.root, -1);
    return t;
  }

  /** Sets parents and recomputes boxes below `id` (post-order). */
  private rebuild(id: number, parent: number): void {
    this.parent[id] = parent;
    if (id < this.capacity) return;
    const l = this.left[id]!;
    const r = this.right[id]!;
    this.rebuild(l, id);
    this.rebuild(r, id);
    const D = this.dims;
    const cap = this.capacity;
    const o = (id - cap) * D;
    const lo = (l < cap ? l : l - cap) * D;
    const ro = (r < cap ? r : r - cap) * D;
    for (let d = 0; d < D; d++) {
      this.boxMin[o + d] = Math.min((l < cap ? this.points : this.boxMin)[lo + d]!, (r < cap ? this.points : this.boxMin)[ro + d]!);
      this.boxMax[o + d] = Math.max((l < cap ? this.points : this.boxMax)[lo + d]!, (r < cap ? this.points : this.boxMax)[ro + d]!);
    }
  }
}
