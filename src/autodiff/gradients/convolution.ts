// Gradients of the convolution and pooling ops (ops/convolution.ts): the node
// keeps the native op that computed it (native/layer_op.h), whose backward is
// the layer's own (native/layers/conv2d.cc, depthwise_conv2d.cc,
// pooling2d.cc): dInput and dKernel in one call, the forward pass rerun
// first for what backward reads (im2col rows, max pooling's winning taps).
// maxPool's gradient goes to the first tap (row-major in the window) holding
// the maximum, as TensorFlow's argmax picks it.
import type { NativeLayerOp } from '../../native';
import { NO_WEIGHTS } from '../../ops/layer_op';
import { allocateUninitializedF32 } from '../../ops/shapes';
import { Tensor, ownedTensor } from '../../tensor';
import { GradFunc, registerGradient } from '../tape';

/** The attributes ops/convolution.ts records: the op, and the samples it ran over. */
interface WindowAttrs {
  op: NativeLayerOp;
  n: number;
}

/** [dx] or [dx, dFilter] of a window op; either null where `needs` says no gradient reaches it. */
const windowGrad: GradFunc = (dy, { inputs, attrs }, needs) => {
  const { op, n } = attrs as unknown as WindowAttrs;
  const x = inputs[0];
  const filter: Tensor | undefined = inputs[1];
  const needX = needs[0], needF = filter !== undefined && needs[1];
  const dx = needX ? allocateUninitializedF32(x.size, 'gradient') : null;
  const dw = needF ? allocateUninitializedF32(filter.size, 'gradient') : null;
  if (dx !== null || dw !== null) {
    op.backward(x.backing.array as Float32Array, n, filter === undefined ? NO_WEIGHTS : (filter.backing.array as Float32Array),
      dy.backing.array as Float32Array, dx, dw);
  }
  const gx = dx === null ? null : ownedTensor(dx, x.shape, 'float32');
  if (filter === undefined) return [gx];
  return [gx, dw === null ? null : ownedTensor(dw, filter.shape, 'float32')];
};

for (const kernel of ['Conv2D', 'DepthwiseConv2dNative', 'MaxPool', 'AvgPool']) registerGradient(kernel, windowGrad);
