// The fixed cast of the emulated org, a contact centre in Lima: queues, IVR flow, division, phone numbers
// and wrap-up codes (names in Spanish). People (agents, team leaders) are in people.ts.
import { createRng, hash32, uuidFor } from '../random.js';

/** Well-known ids of the three default queues; stable across seeds so a sandbox .env keeps working. */
export const EMULATOR_QUEUE_IDS: readonly string[] = Object.freeze([
  '39988345-a7c5-4ce5-851e-334cb54efc79',
  '6b1f2c8e-4d3a-4f7b-9e21-5c8d0a7b3e14',
  'c2e7a9d4-8b16-4c3f-a5e0-1d9b7f6c2a58',
]);

const QUEUE_NAMES = [
  'Atención al Cliente',
  'Ventas',
  'Facturación',
  'Reclamos',
  'Soporte Técnico',
  'Clientes Premium',
  'Tiendas',
  'Socios',
];

export interface Queue {
  id: string;
  name: string;
}

export function configuredQueues(count: number): Queue[] {
  return Array.from({ length: count }, (_, i) => ({
    id: EMULATOR_QUEUE_IDS[i] ?? uuidFor(`emulator-queue-${i}`),
    name: QUEUE_NAMES[i] ?? `Cola ${i + 1}`,
  }));
}

/** Queues of the same org that the extraction is NOT configured for (their calls must be filtered out). */
export const FOREIGN_QUEUES: readonly Queue[] = [
  { id: uuidFor('emulator-foreign-queue-0'), name: 'Cobranzas' },
  { id: uuidFor('emulator-foreign-queue-1'), name: 'Retención' },
];

export const DIVISION = Object.freeze({
  id: '5b703b3e-b3d6-4733-994e-bf09ceecd1a1',
  name: 'Home',
  selfUri: '/api/v2/authorization/divisions/5b703b3e-b3d6-4733-994e-bf09ceecd1a1',
});
export const DIVISION_ID = DIVISION.id;
export const IVR_FLOW = { flowId: '19993269-789e-4f58-851e-502acccfe7e9', flowName: 'IVR Principal', flowVersion: '5.0' };
export const EDGE_ID = 'b5713e32-7dd1-4c16-a149-0e7661f2f57e';
export const ORG_DNIS = 'tel:+5116402000';

/** A wrap-up code as GET /api/v2/routing/wrapupcodes lists it; segments carry only its id. */
export interface WrapUpCode {
  id: string;
  name: string;
}

const WRAP_UP_NAMES = [
  'Consulta resuelta',
  'Venta realizada',
  'Reclamo registrado',
  'Seguimiento pendiente',
  'Información de producto',
  'Cambio de plan',
  'Actualización de datos',
  'Problema técnico',
  'Facturación: consulta',
  'Facturación: reclamo',
  'Baja de servicio',
  'Llamada cortada',
  'Número equivocado',
  'Promesa de pago',
  'Refinanciamiento',
  'Retención exitosa',
  'Retención fallida',
  'Portabilidad',
  'Activación de servicio',
  'Soporte de equipo',
  'Visita técnica programada',
  'Devolución',
  'Consulta de saldo',
  'Recarga',
  'Libro de Reclamaciones',
  'Encuesta',
  'Spam',
  'Otros',
  'Transferencia',
  'Cliente no contactado',
];

/** The org's wrap-up codes (30, so a client that does not page the list misses some). */
export const WRAP_UP_CODES: readonly WrapUpCode[] = Object.freeze(
  WRAP_UP_NAMES.map((name, i) => Object.freeze({ id: uuidFor(`emulator-wrapup-${i}`), name })),
);

/** Codes an agent picks at the end of a call, most frequent first. */
export const CALL_WRAP_UP_CODES: readonly WrapUpCode[] = WRAP_UP_CODES.slice(0, 12);
export const TRANSFER_WRAP_UP = WRAP_UP_CODES[28] as WrapUpCode;

/**
 * The system code Genesys writes when the agent let wrap-up time out (seen in real details data). It is
 * an id that the org's wrap-up code list does not contain: a client keeps the id, there is no name.
 */
export const WRAP_UP_TIMEOUT = 'ININ-WRAP-UP-TIMEOUT';

export const WRAP_UP_NOTES = [
  'Cliente solicita llamada mañana a las 10 a. m.',
  'Se envió el recibo al correo del titular.',
  'Derivado a soporte de segundo nivel.',
  'Cliente conforme con la solución.',
  'Pendiente validar DNI del titular.',
];

export function phoneNumber(seedHash: number, n: number): string {
  const r = createRng(seedHash ^ hash32(`phone${n}`));
  return `+519${String(r.int(0, 99_999_999)).padStart(8, '0')}`;
}
