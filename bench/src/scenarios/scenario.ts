export interface ScenarioOptions {
  /** Tiny sizes and a few seconds: checks the harness end to end (CI), measures nothing. */
  smoke: boolean;
}

/** A scenario module: runs once and prints its results with `printResult`. */
export interface Scenario {
  run(options: ScenarioOptions): Promise<void>;
}
