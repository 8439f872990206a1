import type { Command } from 'commander';

/** Every CLI sub-command, registered in one place. Each module exports `register(program)`. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [];
