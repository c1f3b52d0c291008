package tree

import "fmt"

// CreateMode is the create flag of a create request, numbered as
// CreateMode.java.
type CreateMode int32

const (
	Persistent                  CreateMode = 0
	Ephemeral                   CreateMode = 1
	PersistentSequential        CreateMode = 2
	EphemeralSequential         CreateMode = 3
	Container                   CreateMode = 4
	PersistentWithTTL           CreateMode = 5
	PersistentSequentialWithTTL CreateMode = 6
)

func (m CreateMode) Valid() bool { return m >= Persistent && m <= PersistentSequentialWithTTL }

func (m CreateMode) IsEphemeral() bool { return m == Ephemeral || m == EphemeralSequential }

func (m CreateMode) IsSequential() bool {
	return m == PersistentSequential || m == EphemeralSequential || m == PersistentSequentialWithTTL
}

func (m CreateMode) IsContainer() bool { return m == Container }

func (m CreateMode) IsTTL() bool { return m == PersistentWithTTL || m == PersistentSequentialWithTTL }

func (m CreateMode) String() string {
	switch m {
	case Persistent:
		return "PERSISTENT"
	case Ephemeral:
		return "EPHEMERAL"
	case PersistentSequential:
		return "PERSISTENT_SEQUENTIAL"
	case EphemeralSequential:
		return "EPHEMERAL_SEQUENTIAL"
	case Container:
		return "CONTAINER"
	case PersistentWithTTL:
		return "PERSISTENT_WITH_TTL"
	case PersistentSequentialWithTTL:
		return "PERSISTENT_SEQUENTIAL_WITH_TTL"
	}
	return fmt.Sprintf("CreateMode(%d)", int32(m))
}

// EphemeralType classifies a Stat's ephemeralOwner the way
// EphemeralType.get does: the owner field doubles as a type tag for
// containers and TTL nodes.
type EphemeralType int

const (
	EphemeralVoid      EphemeralType = iota // persistent: owner 0
	EphemeralNormal                         // owner is a session id
	EphemeralContainer                      // owner is math.MinInt64
	EphemeralTTL                            // owner is 0xFF<<56 | ttl
)

const (
	// ContainerOwner is the ephemeralOwner of a container node
	// (EphemeralType.CONTAINER_EPHEMERAL_OWNER = Long.MIN_VALUE).
	ContainerOwner int64 = -1 << 63
	// extendedMask marks owners that carry an extended type in the high byte
	// (EphemeralType.EXTENDED_MASK); server ids of session ids stay below it.
	extendedMask int64 = -1 << 56 // 0xff00000000000000
	// extendedBitTTL is the extended-type value for TTL in bits 40..55.
	extendedBitTTL int64 = 0x0000
	// MaxTTL is the largest TTL an ephemeralOwner can encode (40 bits of ms).
	MaxTTL int64 = 1<<40 - 1
)

// TTLOwner encodes ttl (ms) as a TTL node's ephemeralOwner.
func TTLOwner(ttl int64) int64 { return extendedMask | extendedBitTTL<<40 | ttl }

// OwnerTTL returns the TTL a TTL owner encodes.
func OwnerTTL(owner int64) int64 { return owner & MaxTTL }

// TypeOfOwner classifies an ephemeralOwner as EphemeralType.get does.
func TypeOfOwner(owner int64) EphemeralType {
	switch {
	case owner == 0:
		return EphemeralVoid
	case owner == ContainerOwner:
		return EphemeralContainer
	case owner&extendedMask == extendedMask:
		return EphemeralTTL
	default:
		return EphemeralNormal
	}
}
