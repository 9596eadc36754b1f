import { benchCore } from './gateway/core/bench-core.ts';
console.log(JSON.stringify(await benchCore({ devices: 100000, readings: 1000000, alarms: 10000 })));
