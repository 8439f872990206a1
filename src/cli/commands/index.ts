import type { Command } from 'commander';
import { register as registerLocal } from './local.js';
import { register as registerStream } from './stream.js';
import { register as registerRun } from './run.js';
import { register as registerDemo } from './demo.js';
import { register as registerProduce } from './produce.js';
import { register as registerStatus } from './status.js';
import { register as registerMl } from './ml.js';
import { register as registerDetect } from './detect.js';
import { register as registerLambda } from './lambda.js';

/** Every CLI sub-command, registered in one place. Each module exports `register(program)`. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [registerLocal, registerStream, registerRun, registerDemo, registerProduce, registerStatus, registerMl, registerDetect, registerLambda, ];
