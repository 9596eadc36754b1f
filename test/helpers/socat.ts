/** The socat pty pair lives with the simulators (`sim scenario --socat` makes them too). */
export { SOCAT, type SocatPair, startSocatPair } from '../../simulators/stack/socat.ts';
