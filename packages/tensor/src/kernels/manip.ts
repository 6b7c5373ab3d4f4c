/**
 * Shape manipulation: views that share storage (`reshape`, `flatten`, `expandDims`, `squeeze`), strided copies
 * (`transpose`, `broadcastTo`, `slice`, `tile`), indexing (`take`, `gather`, `oneHot`), their adjoints
 * (`embedSlice` for `slice`, `scatterAdd` for `take`, `pad`'s adjoint is `slice`), and joining/splitting
 * (`concat`, `stack`, `split`).
 *
 * Every strided copy goes through one kernel: the source is described by an offset and one stride per output
 * dimension (0 for a broadcast dimension, negative for a reversed slice). Adjacent dimensions that are contiguous
 * in the source are merged first, so a slice of whole rows becomes a single `set`, and a transpose of the last two
 * axes becomes a batch of cache-tiled 2-D transposes. No kernel allocates per element.
 *
 * All results keep the input dtype (int32 stays int32), except `concat`/`stack` of mixed dtypes (promoted), and
 * `oneHot` (float64 unless asked for float32).
 * @module
 */
import { allocate, promote, type DType, type Storage } from '../dtype.js'
import { DTypeError, ShapeError, showShape } from '../errors.js'
import { checkShape, normalizeAxes, normalizeAxis, shapesEqual, sizeOf, stridesOf } from '../shape.js'
import { Tensor, checkTensor, checkTensors, dataOf, wrap } from '../tensor.js'

// ---------------------------------------------------------------------------------------------------------------
// Strided copy kernels
// ---------------------------------------------------------------------------------------------------------------

/** Rows shorter than this are copied with a plain loop (creating a subarray costs more than it saves). */
const SET_MIN = 32
/** Tile edge for 2-D transposes. */
const TILE = 8

/**
 * Drops size-1 dimensions and merges neighbours that are contiguous in the strided layout
 * (`stride[d] === stride[d+1] * shape[d+1]`), so the kernels below see as few, as long dimensions as possible.
 */
const coalesce = (shape: readonly number[], strides: readonly number[]): [number[], number[]] => {
  const s: number[] = []
  const t: number[] = []
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!
    const st = strides[d]!
    if (n === 1) continue
    const k = s.length - 1
    if (k >= 0 && t[k] === st * n) {
      s[k] = s[k]! * n
      t[k] = st
    } else {
      s.push(n)
      t.push(st)
    }
  }
  return [s, t]
}

/** dst[o .. o+c) = src[so], src[so+sc], … */
const readRow = (dst: Storage, o: number, src: Storage, so: number, sc: number, c: number): void => {
  if (sc === 1) {
    if (c >= SET_MIN) dst.set(src.subarray(so, so + c), o)
    else for (let j = 0; j < c; j++) dst[o + j] = src[so + j]!
  } else if (sc === 0) {
    // short rows (e.g. a [B,1] cotangent broadcast to [B,3]): a loop; `fill` is a runtime call per row
    if (c >= SET_MIN) dst.fill(src[so]!, o, o + c)
    else {
      const v = src[so]!
      for (let j = 0; j < c; j++) dst[o + j] = v
    }
  } else {
    for (let j = 0, k = so; j < c; j++, k += sc) dst[o + j] = src[k]!
  }
}

/** Reads an r×c block with source strides (sr, sc) into contiguous dst at o; tiled when it is a transpose. */
const readBlock = (
  dst: Storage,
  o: number,
  src: Storage,
  base: number,
  r: number,
  sr: number,
  c: number,
  sc: number,
): void => {
  if (sc === 1 || sc === 0 || r < TILE || c < TILE) {
    for (let i = 0; i < r; i++) readRow(dst, o + i * c, src, base + i * sr, sc, c)
    return
  }
  for (let i0 = 0; i0 < r; i0 += TILE) {
    const i1 = Math.min(i0 + TILE, r)
    for (let j0 = 0; j0 < c; j0 += TILE) {
      const j1 = Math.min(j0 + TILE, c)
      for (let i = i0; i < i1; i++) {
        let so = base + i * sr + j0 * sc
        const oo = o + i * c
        for (let j = j0; j < j1; j++, so += sc) dst[oo + j] = src[so]!
      }
    }
  }
}

/**
 * Fills contiguous `dst` (of the size of `shape`) with the elements of `src` found at
 * `offset + Σ idx[d]·strides[d]`, in row-major order of `shape`.
 */
const stridedRead = (
  dst: Storage,
  src: Storage,
  offset: number,
  shape: readonly number[],
  strides: readonly number[],
): void => {
  const total = dst.length
  if (total === 0) return
  const [s, t] = coalesce(shape, strides)
  const nd = s.length
  if (nd === 0) {
    dst[0] = src[offset]!
    return
  }
  const c = s[nd - 1]!
  const sc = t[nd - 1]!
  if (nd === 1) {
    readRow(dst, 0, src, offset, sc, c)
    return
  }
  const r = s[nd - 2]!
  const sr = t[nd - 2]!
  const block = r * c
  const outer = nd - 2
  const idx = new Array<number>(outer).fill(0)
  let base = offset
  for (let o = 0; o < total; o += block) {
    readBlock(dst, o, src, base, r, sr, c, sc)
    for (let d = outer - 1; d >= 0; d--) {
      idx[d]!++
      base += t[d]!
      if (idx[d]! < s[d]!) break
      base -= t[d]! * s[d]!
      idx[d] = 0
    }
  }
}

/** dst[do], dst[do+dc], … = src[o .. o+c) */
const writeRow = (dst: Storage, dOff: number, dc: number, src: Storage, o: number, c: number): void => {
  if (dc === 1) {
    if (c >= SET_MIN) dst.set(src.subarray(o, o + c), dOff)
    else for (let j = 0; j < c; j++) dst[dOff + j] = src[o + j]!
  } else {
    for (let j = 0, k = dOff; j < c; j++, k += dc) dst[k] = src[o + j]!
  }
}

/**
 * The mirror of {@link stridedRead}: writes contiguous `src` (of the size of `shape`) into `dst` at
 * `offset + Σ idx[d]·strides[d]`. The positions must be distinct (true for slices and pads).
 */
const stridedWrite = (
  dst: Storage,
  src: Storage,
  offset: number,
  shape: readonly number[],
  strides: readonly number[],
): void => {
  const total = src.length
  if (total === 0) return
  const [s, t] = coalesce(shape, strides)
  const nd = s.length
  if (nd === 0) {
    dst[offset] = src[0]!
    return
  }
  const c = s[nd - 1]!
  const sc = t[nd - 1]!
  const outer = nd - 1
  const idx = new Array<number>(outer).fill(0)
  let base = offset
  for (let o = 0; o < total; o += c) {
    writeRow(dst, base, sc, src, o, c)
    for (let d = outer - 1; d >= 0; d--) {
      idx[d]!++
      base += t[d]!
      if (idx[d]! < s[d]!) break
      base -= t[d]! * s[d]!
      idx[d] = 0
    }
  }
}

/** A fresh tensor of `shape` read from `a`'s storage at `offset` with one stride per output dimension. */
const gatherStrided = (
  a: Tensor,
  offset: number,
  shape: readonly number[],
  strides: readonly number[],
): Tensor => {
  const out = allocate(a.dtype, sizeOf(shape))
  stridedRead(out, dataOf(a), offset, shape, strides)
  return wrap(out, shape, a.dtype)
}

// ---------------------------------------------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------------------------------------------

/**
 * The same elements in a new shape (row-major order is kept). One dimension may be `-1`; it is inferred from
 * the size. Shares storage with `a` (both are immutable).
 */
export const reshape = (a: Tensor, shape: readonly number[]): Tensor => {
  checkTensor('reshape', a)
  let infer = -1
  let known = 1
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!
    if (d === -1) {
      if (infer >= 0) throw new ShapeError('reshape', `only one dimension can be -1, got ${showShape(shape)}`)
      infer = i
    } else if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(
        'reshape',
        `invalid shape ${showShape(shape)}: dimensions must be non-negative integers (or one -1)`,
      )
    } else known *= d
  }
  const fail = (): never => {
    throw new ShapeError(
      'reshape',
      `cannot reshape ${showShape(a.shape)} (size ${a.size}) into ${showShape(shape)}${infer < 0 ? ` (size ${known})` : ''}`,
    )
  }
  let out: readonly number[] = shape
  if (infer >= 0) {
    if (known === 0 || a.size % known !== 0) fail()
    const o = shape.slice()
    o[infer] = a.size / known
    out = o
  } else if (known !== a.size) fail()
  if (shapesEqual(out, a.shape)) return a
  return wrap(dataOf(a), out, a.dtype)
}

/** The elements as a 1-D tensor (shares storage). */
export const flatten = (a: Tensor): Tensor =>
  checkTensor('flatten', a).ndim === 1 ? a : wrap(dataOf(a, 'flatten'), [a.size], a.dtype)

/**
 * Inserts a dimension of size 1 at `axis` (in `[-(ndim+1), ndim]`; negative counts from the end of the result).
 * Shares storage.
 */
export const expandDims = (a: Tensor, axis: number): Tensor => {
  checkTensor('expandDims', a)
  const nd = a.ndim
  const ax = axis < 0 ? axis + nd + 1 : axis
  if (!Number.isInteger(axis) || ax < 0 || ax > nd)
    throw new ShapeError(
      'expandDims',
      `axis ${axis} is out of range [${-(nd + 1)}, ${nd}] for shape ${showShape(a.shape)}`,
    )
  const shape = a.shape.slice()
  shape.splice(ax, 0, 1)
  return wrap(dataOf(a), shape, a.dtype)
}

/**
 * Removes dimensions of size 1: all of them, or only the named axes (each must have size 1). Shares storage.
 */
export const squeeze = (a: Tensor, axis?: number | readonly number[]): Tensor => {
  checkTensor('squeeze', a)
  let drop: readonly number[]
  if (axis === undefined) {
    const all: number[] = []
    for (let i = 0; i < a.ndim; i++) if (a.shape[i] === 1) all.push(i)
    drop = all
  } else {
    drop = normalizeAxes('squeeze', axis, a.shape)
    for (const d of drop)
      if (a.shape[d] !== 1)
        throw new ShapeError(
          'squeeze',
          `cannot squeeze axis ${d} of size ${a.shape[d]} in shape ${showShape(a.shape)} (only size-1 axes)`,
        )
  }
  if (drop.length === 0) return a
  const shape = a.shape.filter((_, i) => !drop.includes(i))
  return wrap(dataOf(a), shape, a.dtype)
}

// ---------------------------------------------------------------------------------------------------------------
// Strided copies
// ---------------------------------------------------------------------------------------------------------------

/**
 * Permutes the axes: `out.shape[i] = a.shape[axes[i]]`. `axes` defaults to the reversed axes; negative axes count
 * from the end; it must be a permutation of all axes.
 */
export const transpose = (a: Tensor, axes?: readonly number[]): Tensor => {
  checkTensor('transpose', a)
  const nd = a.ndim
  const perm = new Array<number>(nd)
  if (axes === undefined) for (let i = 0; i < nd; i++) perm[i] = nd - 1 - i
  else {
    const seen = new Array<boolean>(nd).fill(false)
    let ok = axes.length === nd
    for (let i = 0; ok && i < nd; i++) {
      const v = axes[i]!
      const p = v < 0 ? v + nd : v
      if (!Number.isInteger(v) || p < 0 || p >= nd || seen[p]) ok = false
      else {
        seen[p] = true
        perm[i] = p
      }
    }
    if (!ok)
      throw new ShapeError(
        'transpose',
        `axes [${axes.join(',')}] are not a permutation of the ${nd} axes of shape ${showShape(a.shape)}`,
      )
  }
  let identity = true
  for (let i = 0; i < nd; i++) if (perm[i] !== i) identity = false
  if (identity) return a
  const st = stridesOf(a.shape)
  const shape = perm.map((p) => a.shape[p]!)
  const strides = perm.map((p) => st[p]!)
  return gatherStrided(a, 0, shape, strides)
}

/**
 * Repeats `a` along broadcast dimensions to `shape` (NumPy rules: `a`'s dims align right and each must equal the
 * target's or be 1).
 */
export const broadcastTo = (a: Tensor, shape: readonly number[]): Tensor => {
  checkTensor('broadcastTo', a)
  checkShape('broadcastTo', shape)
  const n = shape.length
  const off = n - a.ndim
  let ok = off >= 0
  for (let i = 0; ok && i < a.ndim; i++) {
    const d = a.shape[i]!
    if (d !== 1 && d !== shape[i + off]) ok = false
  }
  if (!ok)
    throw new ShapeError('broadcastTo', `cannot broadcast ${showShape(a.shape)} to ${showShape(shape)}`)
  if (shapesEqual(a.shape, shape)) return a
  const st = stridesOf(a.shape)
  const strides = new Array<number>(n).fill(0)
  for (let i = 0; i < a.ndim; i++) strides[i + off] = a.shape[i] === 1 ? 0 : st[i]!
  return gatherStrided(a, 0, shape, strides)
}

/** A Python-style slice of one axis: `start:stop:step`, each optional. */
export interface SliceRange {
  readonly start?: number
  readonly stop?: number
  readonly step?: number
}

interface SliceGeometry {
  readonly offset: number
  readonly shape: number[]
  readonly strides: number[]
}

/** Offset, shape and strides (relative to a row-major layout of `shape`) of a Python-semantics slice. */
const sliceGeometry = (
  op: string,
  shape: readonly number[],
  ranges: readonly (SliceRange | undefined)[],
): SliceGeometry => {
  const nd = shape.length
  if (ranges.length > nd)
    throw new ShapeError(op, `${ranges.length} ranges given for shape ${showShape(shape)} (at most ${nd})`)
  const st = stridesOf(shape)
  const outShape = shape.slice()
  const strides = st.slice()
  let offset = 0
  for (let d = 0; d < ranges.length; d++) {
    const r = ranges[d]
    if (r === undefined) continue
    const n = shape[d]!
    const step = r.step ?? 1
    const start0 = r.start
    const stop0 = r.stop
    if (
      !Number.isInteger(step) ||
      (start0 !== undefined && !Number.isInteger(start0)) ||
      (stop0 !== undefined && !Number.isInteger(stop0))
    )
      throw new ShapeError(
        op,
        `slice bounds must be integers, got ${String(start0)}:${String(stop0)}:${String(r.step)} for axis ${d} of shape ${showShape(shape)}`,
      )
    if (step === 0)
      throw new ShapeError(op, `slice step must not be zero (axis ${d} of shape ${showShape(shape)})`)
    let start: number
    let stop: number
    let len: number
    if (step > 0) {
      start = start0 === undefined ? 0 : start0 < 0 ? Math.max(start0 + n, 0) : Math.min(start0, n)
      stop = stop0 === undefined ? n : stop0 < 0 ? Math.max(stop0 + n, 0) : Math.min(stop0, n)
      len = stop > start ? Math.floor((stop - start + step - 1) / step) : 0
    } else {
      start = start0 === undefined ? n - 1 : start0 < 0 ? Math.max(start0 + n, -1) : Math.min(start0, n - 1)
      stop = stop0 === undefined ? -1 : stop0 < 0 ? Math.max(stop0 + n, -1) : Math.min(stop0, n - 1)
      len = stop < start ? Math.floor((start - stop - step - 1) / -step) : 0
    }
    outShape[d] = len
    strides[d] = st[d]! * step
    if (len > 0) offset += start * st[d]!
  }
  return { offset, shape: outShape, strides }
}

/**
 * Python/NumPy basic slicing: `ranges[d]` slices axis `d` (`undefined`, or fewer entries than axes, means the whole
 * axis). Negative start/stop count from the end, out-of-range bounds clamp, `step` may be negative (not 0).
 */
export const slice = (a: Tensor, ranges: readonly (SliceRange | undefined)[]): Tensor => {
  checkTensor('slice', a)
  const g = sliceGeometry('slice', a.shape, ranges)
  if (g.offset === 0 && shapesEqual(g.shape, a.shape) && shapesEqual(g.strides, stridesOf(a.shape))) return a
  return gatherStrided(a, g.offset, g.shape, g.strides)
}

/**
 * The adjoint of {@link slice}: zeros of `shape` with `values` written where `slice(·, ranges)` reads.
 * `values.shape` must be the shape that slice produces. Keeps `values`' dtype.
 */
export const embedSlice = (
  values: Tensor,
  shape: readonly number[],
  ranges: readonly (SliceRange | undefined)[],
): Tensor => {
  checkTensor('embedSlice', values)
  checkShape('embedSlice', shape)
  const g = sliceGeometry('embedSlice', shape, ranges)
  if (!shapesEqual(values.shape, g.shape))
    throw new ShapeError(
      'embedSlice',
      `values of shape ${showShape(values.shape)} do not match the slice shape ${showShape(g.shape)} of ${showShape(shape)}`,
    )
  const out = allocate(values.dtype, sizeOf(shape))
  stridedWrite(out, dataOf(values), g.offset, g.shape, g.strides)
  return wrap(out, shape, values.dtype)
}

/**
 * Pads each axis with `widths[i] = [before, after]` copies of `value` (default 0). `widths` has one pair per axis
 * of non-negative integers. Its adjoint is {@link slice} with `{ start: before, stop: before + n }` per axis.
 */
export const pad = (a: Tensor, widths: readonly (readonly [number, number])[], value = 0): Tensor => {
  checkTensor('pad', a)
  const nd = a.ndim
  if (widths.length !== nd)
    throw new ShapeError(
      'pad',
      `${widths.length} width pairs given for shape ${showShape(a.shape)} (need one [before, after] pair per axis, ${nd})`,
    )
  const shape = new Array<number>(nd)
  for (let i = 0; i < nd; i++) {
    const [b, e] = widths[i]!
    if (!Number.isInteger(b) || !Number.isInteger(e) || b < 0 || e < 0)
      throw new ShapeError(
        'pad',
        `widths must be non-negative integers, got [${b},${e}] for axis ${i} of shape ${showShape(a.shape)}`,
      )
    shape[i] = a.shape[i]! + b + e
  }
  const out = allocate(a.dtype, sizeOf(shape))
  if (!Object.is(value, 0)) out.fill(value) // fresh storage is +0 already; -0 must still be written
  const st = stridesOf(shape)
  let offset = 0
  for (let i = 0; i < nd; i++) offset += widths[i]![0] * st[i]!
  stridedWrite(out, dataOf(a), offset, a.shape, st)
  return wrap(out, shape, a.dtype)
}

/**
 * NumPy `tile`: repeats `a` `reps[i]` times along axis `i`. If `reps` is shorter than `a.ndim` it is padded
 * with leading 1s; if longer, `a`'s shape is padded with leading 1s.
 */
export const tile = (a: Tensor, reps: readonly number[]): Tensor => {
  checkTensor('tile', a)
  for (const r of reps)
    if (!Number.isInteger(r) || r < 0)
      throw new ShapeError(
        'tile',
        `reps must be non-negative integers, got [${reps.join(',')}] for shape ${showShape(a.shape)}`,
      )
  const nd = Math.max(a.ndim, reps.length)
  const aShape = new Array<number>(nd - a.ndim).fill(1).concat(a.shape)
  const rs = new Array<number>(nd - reps.length).fill(1).concat(reps)
  const st = stridesOf(aShape)
  const viewShape = new Array<number>(2 * nd)
  const viewStrides = new Array<number>(2 * nd)
  const shape = new Array<number>(nd)
  for (let i = 0; i < nd; i++) {
    viewShape[2 * i] = rs[i]!
    viewStrides[2 * i] = 0
    viewShape[2 * i + 1] = aShape[i]!
    viewStrides[2 * i + 1] = st[i]!
    shape[i] = rs[i]! * aShape[i]!
  }
  const out = allocate(a.dtype, sizeOf(shape))
  stridedRead(out, dataOf(a), 0, viewShape, viewStrides)
  return wrap(out, shape, a.dtype)
}

// ---------------------------------------------------------------------------------------------------------------
// Indexing
// ---------------------------------------------------------------------------------------------------------------

interface RawIndices {
  readonly data: ArrayLike<number>
  readonly shape: readonly number[]
}

/** The index values and shape; float tensors and number[] must hold integers (DTypeError otherwise). */
const rawIndices = (op: string, indices: Tensor | readonly number[], what = 'indices'): RawIndices => {
  if (indices instanceof Tensor) {
    const data = dataOf(indices)
    if (indices.dtype !== 'int32')
      for (let k = 0; k < data.length; k++)
        if (!Number.isInteger(data[k]))
          throw new DTypeError(op, `${what} must be integers, got ${data[k]} at flat position ${k}`)
    return { data, shape: indices.shape }
  }
  for (let k = 0; k < indices.length; k++)
    if (!Number.isInteger(indices[k]))
      throw new DTypeError(op, `${what} must be integers, got ${String(indices[k])} at position ${k}`)
  return { data: indices, shape: [indices.length] }
}

/** Bounds-checks indices against an axis of size n and maps negatives into [0, n). */
const resolveIndices = (
  op: string,
  raw: ArrayLike<number>,
  axis: number,
  shape: readonly number[],
): Int32Array => {
  const n = shape[axis]!
  const out = new Int32Array(raw.length)
  for (let k = 0; k < raw.length; k++) {
    const v = raw[k]!
    const j = v < 0 ? v + n : v
    if (j < 0 || j >= n)
      throw new ShapeError(
        op,
        `index ${v} is out of bounds for axis ${axis} with size ${n} (shape ${showShape(shape)})`,
      )
    out[k] = j
  }
  return out
}

/**
 * NumPy `take` along one axis (default 0): `out.shape = a.shape[:axis] + indices.shape + a.shape[axis+1:]`.
 * Indices are an int32 tensor, or a float tensor / number[] of integers; negative indices count from the end.
 * Along axis 0 this is a row copy per index (embedding lookup, batch selection).
 */
export const take = (a: Tensor, indices: Tensor | readonly number[], axis = 0): Tensor => {
  checkTensor('take', a)
  const ax = normalizeAxis('take', axis, a.ndim, a.shape)
  const raw = rawIndices('take', indices)
  const idx = resolveIndices('take', raw.data, ax, a.shape)
  const shape = [...a.shape.slice(0, ax), ...raw.shape, ...a.shape.slice(ax + 1)]
  const n = a.shape[ax]!
  const outer = sizeOf(a.shape.slice(0, ax))
  const inner = sizeOf(a.shape.slice(ax + 1))
  const m = idx.length
  const src = dataOf(a)
  const out = allocate(a.dtype, outer * m * inner)
  let o = 0
  for (let p = 0; p < outer; p++) {
    const base = p * n
    if (inner >= SET_MIN) {
      for (let k = 0; k < m; k++, o += inner) {
        const s = (base + idx[k]!) * inner
        out.set(src.subarray(s, s + inner), o)
      }
    } else if (inner === 1) {
      for (let k = 0; k < m; k++) out[o++] = src[base + idx[k]!]!
    } else {
      for (let k = 0; k < m; k++) {
        const s = (base + idx[k]!) * inner
        for (let j = 0; j < inner; j++) out[o++] = src[s + j]!
      }
    }
  }
  return wrap(out, shape, a.dtype)
}

/**
 * The adjoint of {@link take}: `base` plus `updates` accumulated at `indices` along `axis` (default 0); duplicate
 * indices add up. `updates.shape` must be `base.shape[:axis] + indices.shape + base.shape[axis+1:]`.
 * The result has `base`'s dtype when both dtypes agree, else the promoted float dtype.
 */
export const scatterAdd = (
  base: Tensor,
  indices: Tensor | readonly number[],
  updates: Tensor,
  axis = 0,
): Tensor => {
  checkTensor('scatterAdd', base)
  checkTensor('scatterAdd', updates)
  const ax = normalizeAxis('scatterAdd', axis, base.ndim, base.shape)
  const raw = rawIndices('scatterAdd', indices)
  const expected = [...base.shape.slice(0, ax), ...raw.shape, ...base.shape.slice(ax + 1)]
  if (!shapesEqual(updates.shape, expected))
    throw new ShapeError(
      'scatterAdd',
      `updates of shape ${showShape(updates.shape)} do not match ${showShape(expected)} = base ${showShape(base.shape)} with indices ${showShape(raw.shape)} along axis ${ax}`,
    )
  const idx = resolveIndices('scatterAdd', raw.data, ax, base.shape)
  const dtype: DType = base.dtype === updates.dtype ? base.dtype : promote(base.dtype, updates.dtype)
  const out = allocate(dtype, base.size)
  out.set(dataOf(base))
  const upd = dataOf(updates)
  const n = base.shape[ax]!
  const outer = sizeOf(base.shape.slice(0, ax))
  const inner = sizeOf(base.shape.slice(ax + 1))
  const m = idx.length
  let u = 0
  for (let p = 0; p < outer; p++) {
    const b = p * n
    if (inner === 1) {
      for (let k = 0; k < m; k++) out[b + idx[k]!]! += upd[u++]!
    } else {
      for (let k = 0; k < m; k++) {
        const s = (b + idx[k]!) * inner
        for (let j = 0; j < inner; j++) out[s + j]! += upd[u++]!
      }
    }
  }
  return wrap(out, base.shape, dtype)
}

/**
 * PyTorch `gather` / NumPy `take_along_axis`: `indices` has `a.ndim` dims and `out.shape = indices.shape`, with
 * `out[i₀,…,i_axis,…] = a[i₀,…,indices[i₀,…,i_axis,…],…]`. Along the other axes `indices` may be shorter than `a`
 * (each dim ≤ `a`'s, as in PyTorch); there is no broadcasting. Negative indices count from the end.
 */
export const gather = (a: Tensor, indices: Tensor | readonly number[], axis: number): Tensor => {
  checkTensor('gather', a)
  const ax = normalizeAxis('gather', axis, a.ndim, a.shape)
  const raw = rawIndices('gather', indices)
  const nd = a.ndim
  let ok = raw.shape.length === nd
  for (let d = 0; ok && d < nd; d++) if (d !== ax && raw.shape[d]! > a.shape[d]!) ok = false
  if (!ok)
    throw new ShapeError(
      'gather',
      `indices of shape ${showShape(raw.shape)} do not fit ${showShape(a.shape)} along axis ${ax} (same ndim, other dims ≤ the input's)`,
    )
  const idx = resolveIndices('gather', raw.data, ax, a.shape)
  const shape = raw.shape
  const total = idx.length
  const out = allocate(a.dtype, total)
  if (total === 0) return wrap(out, shape, a.dtype)
  const src = dataOf(a)
  const st = stridesOf(a.shape)
  const sAx = st[ax]!
  const c = shape[nd - 1]!
  const sc = ax === nd - 1 ? 0 : st[nd - 1]!
  const pos = new Array<number>(nd).fill(0)
  let base = 0
  for (let o = 0; o < total; o += c) {
    for (let j = 0, s = base; j < c; j++, s += sc) out[o + j] = src[s + idx[o + j]! * sAx]!
    for (let d = nd - 2; d >= 0; d--) {
      pos[d]!++
      const step = d === ax ? 0 : st[d]!
      base += step
      if (pos[d]! < shape[d]!) break
      base -= step * shape[d]!
      pos[d] = 0
    }
  }
  return wrap(out, shape, a.dtype)
}

/**
 * One-hot encoding: `out.shape = labels.shape + [numClasses]`, float64 unless `dtype: 'float32'`. Every label
 * must be an integer in `[0, numClasses)`.
 */
export const oneHot = (
  labels: Tensor | readonly number[],
  numClasses: number,
  options?: { readonly dtype?: 'float64' | 'float32' },
): Tensor => {
  if (!Number.isInteger(numClasses) || numClasses < 1)
    throw new ShapeError('oneHot', `numClasses must be a positive integer, got ${numClasses}`)
  const raw = rawIndices('oneHot', labels, 'labels')
  const dtype = options?.dtype ?? 'float64'
  const m = raw.data.length
  const out = allocate(dtype, m * numClasses)
  for (let k = 0; k < m; k++) {
    const v = raw.data[k]!
    if (v < 0 || v >= numClasses) {
      const pos = new Array<number>(raw.shape.length)
      let r = k
      for (let d = raw.shape.length - 1; d >= 0; d--) {
        pos[d] = r % raw.shape[d]!
        r = Math.floor(r / raw.shape[d]!)
      }
      throw new ShapeError(
        'oneHot',
        `label ${v} at position [${pos.join(',')}] of labels ${showShape(raw.shape)} is outside [0, ${numClasses})`,
      )
    }
    out[k * numClasses + v] = 1
  }
  return wrap(out, [...raw.shape, numClasses], dtype)
}

// ---------------------------------------------------------------------------------------------------------------
// Joining and splitting
// ---------------------------------------------------------------------------------------------------------------

/**
 * Joins tensors along an existing axis (default 0). All must have the same ndim (≥ 1) and agree on every other
 * dimension. Mixed dtypes are promoted (float64 > float32 > int32); equal dtypes are kept.
 */
export const concat = (tensors: readonly Tensor[], axis = 0): Tensor => {
  checkTensors('concat', tensors)
  const first = tensors[0]
  if (first === undefined) throw new ShapeError('concat', 'needs at least one tensor, got an empty list')
  if (first.ndim === 0)
    throw new ShapeError(
      'concat',
      `cannot concatenate 0-d tensors (shapes ${tensors.map((t) => showShape(t.shape)).join(', ')})`,
    )
  const ax = normalizeAxis('concat', axis, first.ndim, first.shape)
  let dtype: DType = first.dtype
  let total = 0
  for (const t of tensors) {
    let ok = t.ndim === first.ndim
    for (let d = 0; ok && d < first.ndim; d++) if (d !== ax && t.shape[d] !== first.shape[d]) ok = false
    if (!ok)
      throw new ShapeError(
        'concat',
        `cannot concatenate shapes ${tensors.map((x) => showShape(x.shape)).join(', ')} along axis ${ax} (all other dimensions must match)`,
      )
    total += t.shape[ax]!
    if (t.dtype !== dtype) dtype = promote(dtype, t.dtype)
  }
  if (tensors.length === 1 && dtype === first.dtype) return first
  const shape = first.shape.slice()
  shape[ax] = total
  const outer = sizeOf(first.shape.slice(0, ax))
  const inner = sizeOf(first.shape.slice(ax + 1))
  const out = allocate(dtype, outer * total * inner)
  const rowLen = total * inner
  let col = 0
  for (const t of tensors) {
    const chunk = t.shape[ax]! * inner
    const src = dataOf(t)
    if (chunk > 0) {
      if (outer === 1) out.set(src, col)
      else if (chunk >= SET_MIN)
        for (let p = 0; p < outer; p++) out.set(src.subarray(p * chunk, (p + 1) * chunk), p * rowLen + col)
      else
        for (let p = 0; p < outer; p++) {
          const s = p * chunk
          const o = p * rowLen + col
          for (let j = 0; j < chunk; j++) out[o + j] = src[s + j]!
        }
    }
    col += chunk
  }
  return wrap(out, shape, dtype)
}

/**
 * Joins tensors of one shape along a new axis (default 0; in `[-(ndim+1), ndim]`). Mixed dtypes are promoted as
 * in {@link concat}.
 */
export const stack = (tensors: readonly Tensor[], axis = 0): Tensor => {
  checkTensors('stack', tensors)
  const first = tensors[0]
  if (first === undefined) throw new ShapeError('stack', 'needs at least one tensor, got an empty list')
  for (const t of tensors)
    if (!shapesEqual(t.shape, first.shape))
      throw new ShapeError(
        'stack',
        `all tensors must have the same shape, got ${tensors.map((x) => showShape(x.shape)).join(', ')}`,
      )
  const nd = first.ndim
  const ax = axis < 0 ? axis + nd + 1 : axis
  if (!Number.isInteger(axis) || ax < 0 || ax > nd)
    throw new ShapeError(
      'stack',
      `axis ${axis} is out of range [${-(nd + 1)}, ${nd}] for shape ${showShape(first.shape)}`,
    )
  return concat(
    tensors.map((t) => expandDims(t, ax)),
    ax,
  )
}

/**
 * Splits `a` along `axis` (default 0). `sections` as a number: that many equal parts (it must divide the axis).
 * As a list of indices `[i₀, i₁, …]`: the parts `a[:i₀]`, `a[i₀:i₁]`, …, `a[iₖ:]` with Python slice semantics
 * (as NumPy `array_split`: indices past the end give empty parts, negative indices count from the end).
 */
export const split = (a: Tensor, sections: number | readonly number[], axis = 0): Tensor[] => {
  checkTensor('split', a)
  const ax = normalizeAxis('split', axis, a.ndim, a.shape)
  const n = a.shape[ax]!
  let bounds: number[]
  if (typeof sections === 'number') {
    if (!Number.isInteger(sections) || sections < 1)
      throw new ShapeError('split', `sections must be a positive integer, got ${sections}`)
    if (n % sections !== 0)
      throw new ShapeError(
        'split',
        `${sections} sections do not divide axis ${ax} of size ${n} (shape ${showShape(a.shape)})`,
      )
    const w = n / sections
    bounds = Array.from({ length: sections - 1 }, (_, i) => (i + 1) * w)
  } else {
    for (const s of sections)
      if (!Number.isInteger(s))
        throw new ShapeError('split', `split indices must be integers, got [${sections.join(',')}]`)
    bounds = sections.slice()
  }
  const ranges = new Array<SliceRange | undefined>(ax + 1).fill(undefined)
  const parts: Tensor[] = []
  for (let i = 0; i <= bounds.length; i++) {
    const r: { start?: number; stop?: number } = {}
    if (i > 0) r.start = bounds[i - 1]!
    if (i < bounds.length) r.stop = bounds[i]!
    ranges[ax] = r
    parts.push(slice(a, ranges))
  }
  return parts
}
