// tf.datasets: loaders for standard datasets and the file formats they ship in.
export { loadIdx, loadIdxSync } from './idx';
export type { IdxData, IdxDataType, IdxTypedArray, IdxArrayTypes } from './idx';
export { fashionMnist, classNames, debianFashionMnistDir } from './fashion-mnist';
export type { FashionMnistOptions, FashionMnistData, LabeledImages } from './fashion-mnist';
