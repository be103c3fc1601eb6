// The analysis process's entry (see analyse.ts); the CLI runs a bundle of it.
import { main } from './analyse.ts';

await main();
