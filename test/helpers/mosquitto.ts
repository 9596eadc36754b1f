// Debian's mosquitto, started and stopped by pid: shared with the benches (simulators/stack/).
export { freePort } from '../../simulators/stack/free-port.ts';
export { MOSQUITTO, type Mosquitto, startMosquitto } from '../../simulators/stack/mosquitto.ts';
