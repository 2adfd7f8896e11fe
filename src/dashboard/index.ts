/** The local dashboard of `specl serve`: its server, the index of run and experiment folders, and its defences. */
export * from './catalog.ts';
export * from './security.ts';
export * from './server.ts';
