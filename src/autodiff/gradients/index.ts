// Registers every op family's gradient with the tape (one file per family).
import './activations';
import './elementwise';
import './matmul';
import './movement';
import './reduce';
import './math';
import './convolution';
