/**
 * The audit process's entry when the audit file runs unbundled, through tsx (the diagnosis: its heap
 * snapshots then keep each module's own scope). The measured processes run a bundle of child.ts instead.
 */
import { pathToFileURL } from 'node:url';
import { CHILD_TASK_ENV, type ChildTask } from '../protocol.ts';
import { runChild } from './child.ts';

const task = JSON.parse(process.env[CHILD_TASK_ENV] ?? 'null') as ChildTask | null;
await runChild(() => (task ? import(pathToFileURL(task.file).href) : Promise.resolve()));
