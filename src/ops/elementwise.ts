// Elementwise arithmetic with NumPy broadcasting, and unary math functions.
// TypeScript computes the broadcast shape and per-input strides (0 on
// broadcast dims, contiguous dims merged); the native kernel runs the loop.
import { typeError, show } from '../errors';
import { native } from '../native';
import { Tensor, checkTensor, disposeTemporary, ownedTensor, scalar, sizeFromShape } from '../tensor';
import { MAX_STRIDED_RANK, allocate, broadcastShapes, broadcastStrides, checkStridedRank, coalesce, i32 } from './shapes';
import { TAPE, record } from '../autodiff/tape';

// Must match tf::BinaryOp in native/elementwise.h.
const BinaryOp = { Add: 0, Sub: 1, Mul: 2, Div: 3, Maximum: 4, Minimum: 5, Pow: 6, SquaredDifference: 7 } as const;
type BinaryOp = (typeof BinaryOp)[keyof typeof BinaryOp];
// Must match tf::UnaryOp in native/elementwise.h.
const UnaryOp = { Neg: 0, Exp: 1, Log: 2, Sqrt: 3, Square: 4, Abs: 5 } as const;
type UnaryOp = (typeof UnaryOp)[keyof typeof UnaryOp];
// TensorFlow.js kernel names, the gradient tape's keys (autodiff/gradients/elementwise.ts).
const BINARY_KERNELS = ['Add', 'Sub', 'Multiply', 'RealDiv', 'Maximum', 'Minimum', 'Pow', 'SquaredDifference'];
const UNARY_KERNELS = ['Neg', 'Exp', 'Log', 'Sqrt', 'Square', 'Abs'];

/** Strides of a flat walk (read only by the binding). */
const FLAT = Int32Array.of(1);
const SCALAR = Int32Array.of(0);

/** Outputs up to this size skip the native call for the ops smallBinary computes (its cost was most of a small op's). */
const SMALL = 64;

/**
 * a op b over flat operands (`scalar`: one element for all) in JavaScript,
 * for the ops whose result it gives bit for bit as the native kernel does:
 * float32 +, -, *, / computed in double and rounded once to float32 equal
 * the float32 operation (double holds more than twice float32's precision);
 * int32 +, - wrap on the store, * is Math.imul. False for any other op.
 */
function smallBinary(op: BinaryOp, a: ArrayLike<number>, aScalar: boolean, b: ArrayLike<number>, bScalar: boolean, out: TypedArrayLike, size: number): boolean {
  const int = out instanceof Int32Array;
  if (op === BinaryOp.Div && int) return false;
  if (op !== BinaryOp.Add && op !== BinaryOp.Sub && op !== BinaryOp.Mul && op !== BinaryOp.Div) return false;
  for (let i = 0; i < size; i++) {
    const x = a[aScalar ? 0 : i];
    const y = b[bScalar ? 0 : i];
    out[i] = op === BinaryOp.Add ? x + y : op === BinaryOp.Sub ? x - y : op === BinaryOp.Div ? x / y : int ? Math.imul(x, y) : x * y;
  }
  return true;
}

type TypedArrayLike = { [i: number]: number; readonly length: number };

/** A tensor, or a JavaScript number (a float32 scalar), as TensorFlow.js's binary ops take. */
export type Operand = Tensor | number;

/**
 * The operands as tensors. A number is a float32 scalar, and an int32 tensor
 * beside one is computed in float32, as TensorFlow.js upcasts it (so
 * `tf.mul(x, 2)` works for any x; two tensors must still share a dtype).
 */
function operands(fn: string, a: Operand, b: Operand): [Tensor, Tensor] {
  for (const [name, v] of [['a', a], ['b', b]] as const)
    if (typeof v !== 'number' && !(v instanceof Tensor)) throw typeError(fn, `${name} must be a Tensor or a number, got ${show(v)}`);
  if (typeof a !== 'number' && typeof b !== 'number') return [checkTensor(fn, 'a', a), checkTensor(fn, 'b', b)];
  const asFloat = (v: Operand, name: string): Tensor => {
    if (typeof v === 'number') return scalar(v);
    return checkTensor(fn, name, v).cast('float32');
  };
  return [asFloat(a, 'a'), asFloat(b, 'b')];
}

function binary(fn: string, op: BinaryOp, a0: Operand, b0: Operand): Tensor {
  const [a, b] = operands(fn, a0, b0);
  if (a.dtype !== b.dtype) throw typeError(fn, `a and b must have the same dtype, got ${a.dtype} and ${b.dtype}`);
  const shape = broadcastShapes(fn, a.shape, b.shape);
  const size = sizeFromShape(fn, shape);
  const out = allocate(a.dtype, size, fn);
  if (size > 0) {
    // An operand of the output's size (broadcasting only added size-1 dims) or
    // of one element walks the output's flat order: one loop, no stride arithmetic.
    const flatA = a.size === size ? FLAT : a.size === 1 ? SCALAR : null;
    const flatB = b.size === size ? FLAT : b.size === 1 ? SCALAR : null;
    if (flatA !== null && flatB !== null) {
      if (size > SMALL || !smallBinary(op, a.backing.array, flatA === SCALAR, b.backing.array, flatB === SCALAR, out, size)) {
        native.binary(op, a.backing.array, flatA, b.backing.array, flatB, out, Int32Array.of(size));
      }
    } else {
      const m = coalesce(shape, [broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)]);
      // The message is built only when it is thrown: show() was a tenth of a small op's time.
      if (m.shape.length > MAX_STRIDED_RANK) checkStridedRank(fn, `broadcasting ${show(a.shape)} with ${show(b.shape)}`, m.shape.length);
      native.binary(op, a.backing.array, i32(m.strides[0]), b.backing.array, i32(m.strides[1]), out, i32(m.shape));
    }
  }
  const y = ownedTensor(out, shape, a.dtype);
  if (TAPE.active !== null) record(BINARY_KERNELS[op], [a, b], y);
  return y;
}

/**
 * a + b elementwise, with NumPy broadcasting. Both tensors must have the same
 * dtype; int32 arithmetic wraps modulo 2^32 (as an Int32Array store does).
 * Either operand of this and the other binary ops may be a number, a
 * float32 scalar (an int32 tensor beside it is computed in float32, as in
 * TensorFlow.js).
 */
export function add(a: Operand, b: Operand): Tensor {
  return binary('add', BinaryOp.Add, a, b);
}

/** a - b elementwise, with broadcasting (int32 wraps modulo 2^32). */
export function sub(a: Operand, b: Operand): Tensor {
  return binary('sub', BinaryOp.Sub, a, b);
}

/** a * b elementwise, with broadcasting (int32 wraps modulo 2^32). */
export function mul(a: Operand, b: Operand): Tensor {
  return binary('mul', BinaryOp.Mul, a, b);
}

/**
 * a / b elementwise, with broadcasting. For int32 tensors this is floor
 * division like TensorFlow.js (`div` of two int32 tensors calls `floorDiv`):
 * -7 / 2 = -4, and x / 0 = 0 (tfjs stores floor(x / 0) = ±Infinity into an
 * Int32Array, which gives 0).
 */
export function div(a: Operand, b: Operand): Tensor {
  return binary('div', BinaryOp.Div, a, b);
}

/** The larger of a and b elementwise, with broadcasting; NaN wins (like `Math.max`). */
export function maximum(a: Operand, b: Operand): Tensor {
  return binary('maximum', BinaryOp.Maximum, a, b);
}

/** The smaller of a and b elementwise, with broadcasting; NaN wins (like `Math.min`). */
export function minimum(a: Operand, b: Operand): Tensor {
  return binary('minimum', BinaryOp.Minimum, a, b);
}

/**
 * a ** b elementwise, with broadcasting. For int32, the exact power modulo
 * 2^32; a negative exponent gives the truncated result (1 for a = 1, ±1 for
 * a = -1, else 0).
 */
export function pow(a: Operand, b: Operand): Tensor {
  return binary('pow', BinaryOp.Pow, a, b);
}

/** (a - b)² elementwise, with broadcasting. */
export function squaredDifference(a: Operand, b: Operand): Tensor {
  return binary('squaredDifference', BinaryOp.SquaredDifference, a, b);
}

function unary(fn: string, op: UnaryOp, x: Tensor, keepsInt: boolean): Tensor {
  checkTensor(fn, 'x', x);
  // Like tfjs, transcendental functions of int32 tensors are computed in float32.
  const input = keepsInt ? x : x.cast('float32');
  const out = allocate(input.dtype, input.size, fn);
  native.unary(op, input.backing.array, out);
  disposeTemporary(input, x);
  const y = ownedTensor(out, x.shape, input.dtype);
  if (TAPE.active !== null) record(UNARY_KERNELS[op], [x], y);
  return y;
}

/** -x elementwise (int32 stays int32; -(-2^31) wraps to -2^31). */
export function neg(x: Tensor): Tensor {
  return unary('neg', UnaryOp.Neg, x, true);
}

/** e^x elementwise (int32 input gives float32). */
export function exp(x: Tensor): Tensor {
  return unary('exp', UnaryOp.Exp, x, false);
}

/** Natural logarithm elementwise: -Infinity at 0, NaN below (int32 input gives float32). */
export function log(x: Tensor): Tensor {
  return unary('log', UnaryOp.Log, x, false);
}

/** Square root elementwise: NaN below 0 (int32 input gives float32). */
export function sqrt(x: Tensor): Tensor {
  return unary('sqrt', UnaryOp.Sqrt, x, false);
}

/** x² elementwise (int32 stays int32 and wraps modulo 2^32). */
export function square(x: Tensor): Tensor {
  return unary('square', UnaryOp.Square, x, true);
}

/** |x| elementwise (int32 stays int32; |-2^31| wraps to -2^31). */
export function abs(x: Tensor): Tensor {
  return unary('abs', UnaryOp.Abs, x, true);
}
