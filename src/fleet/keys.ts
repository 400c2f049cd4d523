/** Every key of one fleet lives under `cutover:{name}:` so fleets share a Redis without meeting. */
export interface FleetKeys {
  lease: string;
  fence: string;
  states: string;
  replicas: string;
  commands: string;
  sticky: string;
  channel: string;
  slot(second: number): string;
  result(id: string): string;
}

export function fleetKeys(name: string): FleetKeys {
  const p = `cutover:${name}:`;
  return {
    lease: `${p}lease`,
    fence: `${p}fence`,
    states: `${p}states`,
    replicas: `${p}replicas`,
    commands: `${p}commands`,
    sticky: `${p}sticky-secret`,
    channel: `${p}events`,
    slot: (second) => `${p}windows:${second}`,
    result: (id) => `${p}result:${id}`,
  };
}
