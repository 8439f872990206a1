declare module 'kinesalite';
declare module 'dynalite';
