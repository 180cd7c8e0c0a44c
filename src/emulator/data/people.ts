// The people of the emulated contact centre: 48 agents in six teams, their team leaders and the head of
// operations, with Spanish names as in Lima. Agent ids depend on the seed (as they always did); names
// depend on the position only. Most agents have a manager (their team leader); a few have none, as in
// an org that does not set it for everyone.
import { uuidFor } from '../random.js';

export const AGENT_COUNT = 48;
const TEAM_SIZE = 8;

export interface Person {
  id: string;
  name: string;
  email: string;
  title: string;
  department: string;
  managerId?: string;
  /** agents who left: GET /api/v2/users lists them only with state=inactive or state=any */
  state: 'active' | 'inactive';
}

const FIRST = [
  'Rosa', 'Luis', 'María', 'Jorge', 'Carmen', 'José', 'Lucía', 'Carlos', 'Ana', 'Miguel', 'Julia',
  'Pedro', 'Elena', 'Víctor', 'Patricia', 'César', 'Gabriela', 'Raúl', 'Milagros', 'Renzo', 'Sofía',
  'Diego', 'Karina', 'Javier',
];
const LAST = [
  'Quispe', 'Mamani', 'Flores', 'Huamán', 'Rojas', 'Chávez', 'Vargas', 'Ramos', 'Castillo', 'Mendoza',
  'Torres', 'Gutiérrez', 'Espinoza', 'Salazar', 'Paredes', 'Vásquez', 'Romero', 'Cárdenas', 'Ríos',
  'Condori', 'Sánchez', 'Palacios', 'Aguilar', 'Zapata',
];

function nameAt(i: number): { first: string; full: string; login: string } {
  const first = FIRST[i % FIRST.length] as string;
  const last1 = LAST[(i * 7 + 3) % LAST.length] as string;
  const last2 = LAST[(i * 11 + 5) % LAST.length] as string;
  const plain = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  return { first, full: `${first} ${last1} ${last2}`, login: `${plain(first)}.${plain(last1)}${i}` };
}

const female = (first: string) => /a$|^(Carmen|Milagros)$/.test(first);

export interface Directory {
  agents: readonly Person[];
  leaders: readonly Person[];
  head: Person;
  byId: ReadonlyMap<string, Person>;
}

export function agentIds(seed: string): string[] {
  return Array.from({ length: AGENT_COUNT }, (_, i) => uuidFor(`${seed}|agent|${i}`));
}

/** @param departed how many agents have left the company (state inactive); the last ones of the list */
export function buildDirectory(seed: string, departed = 0): Directory {
  const mail = (login: string) => `${login}@lima-cc.example`;
  const headName = nameAt(100);
  const head: Person = {
    id: uuidFor(`${seed}|head`),
    name: headName.full,
    email: mail(headName.login),
    title: female(headName.first) ? 'Jefa de Operaciones' : 'Jefe de Operaciones',
    department: 'Operaciones',
    state: 'active',
  };
  const leaders: Person[] = Array.from({ length: AGENT_COUNT / TEAM_SIZE }, (_, t) => {
    const n = nameAt(60 + t * 5);
    return {
      id: uuidFor(`${seed}|leader|${t}`),
      name: n.full,
      email: mail(n.login),
      title: female(n.first) ? 'Supervisora' : 'Supervisor',
      department: 'Atención al Cliente',
      managerId: head.id,
      state: 'active',
    };
  });
  const ids = agentIds(seed);
  const agents: Person[] = ids.map((id, i) => {
    const n = nameAt(i);
    const leader = leaders[Math.floor(i / TEAM_SIZE)] as Person;
    return {
      id,
      name: n.full,
      email: mail(n.login),
      title: female(n.first) ? 'Asesora de Atención al Cliente' : 'Asesor de Atención al Cliente',
      department: 'Atención al Cliente',
      // Every eleventh agent has no manager set in the org.
      ...(i % 11 === 10 ? {} : { managerId: leader.id }),
      state: i >= AGENT_COUNT - departed ? 'inactive' : 'active',
    };
  });
  const byId = new Map<string, Person>();
  for (const p of [head, ...leaders, ...agents]) byId.set(p.id, p);
  return { agents, leaders, head, byId };
}
