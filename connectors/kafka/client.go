package kafka

import (
	"crypto/tls"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kversion"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/flinkgo/engine/connectors"
)

// clientConfig is what the properties.* options mean to franz-go. Values of
// sensitive properties (sasl.jaas.config, passwords) are kept here only and
// never appear in an error message.
type clientConfig struct {
	bootstrap     []string
	groupID       string // "" when not set
	readCommitted bool   // isolation.level (default read_committed)
	autoReset     string // auto.offset.reset: earliest, latest, none
	txnTimeout    time.Duration
	txnTimeoutSet bool
	maxPoll       int
	common        []kgo.Opt // every client
	consumer      []kgo.Opt
	producer      []kgo.Opt
}

// defaultTxnTimeout is the transaction timeout when
// properties.transaction.timeout.ms is not set: the default maximum a
// broker allows (transaction.max.timeout.ms, 15 minutes).
const defaultTxnTimeout = 15 * time.Minute

func propErr(key, val string) error {
	return connectors.Errorf("Invalid value for option 'properties.%s': %s. Fix the value or remove the option.", key, val)
}

func propInt(key, val string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(val), 10, 64)
	if err != nil || n < 0 {
		return 0, propErr(key, "'"+val+"' is not a non-negative integer")
	}
	return n, nil
}

var jaasOption = regexp.MustCompile(`(\w+)\s*=\s*"((?:[^"\\]|\\.)*)"`)

// parseClientConfig maps the properties.* options to franz-go options.
// Properties franz-go has no use for (serializers, Java class names) are
// accepted and ignored, as are unknown ones.
func parseClientConfig(table string, o map[string]string) (clientConfig, error) {
	c := clientConfig{readCommitted: true, autoReset: "none", txnTimeout: defaultTxnTimeout, maxPoll: 4096}
	bs := strings.TrimSpace(o["properties.bootstrap.servers"])
	if bs == "" {
		return c, connectors.Errorf("One or more required options are missing.\n\nMissing required options are:\n\nproperties.bootstrap.servers")
	}
	for _, s := range strings.Split(bs, ",") {
		if s = strings.TrimSpace(s); s != "" {
			c.bootstrap = append(c.bootstrap, s)
		}
	}
	c.common = append(c.common, kgo.SeedBrokers(c.bootstrap...), kgo.ClientID("flinkgo-"+table))
	var mechanism, jaas, protocol string
	for k, v := range o {
		if !strings.HasPrefix(k, "properties.") {
			continue
		}
		key := strings.TrimPrefix(k, "properties.")
		switch key {
		case "group.id":
			c.groupID = v
		case "client.id":
			c.common = append(c.common, kgo.ClientID(v))
		case "isolation.level":
			switch strings.ToLower(v) {
			case "read_committed":
				c.readCommitted = true
			case "read_uncommitted":
				c.readCommitted = false
			default:
				return c, propErr(key, "'"+v+"' is not one of read_committed, read_uncommitted")
			}
		case "auto.offset.reset":
			switch strings.ToLower(v) {
			case "earliest", "latest", "none":
				c.autoReset = strings.ToLower(v)
			default:
				return c, propErr(key, "'"+v+"' is not one of earliest, latest, none")
			}
		case "transaction.timeout.ms":
			n, err := propInt(key, v)
			if err != nil {
				return c, err
			}
			c.txnTimeout, c.txnTimeoutSet = time.Duration(n)*time.Millisecond, true
		case "max.poll.records":
			n, err := propInt(key, v)
			if err != nil || n == 0 {
				return c, propErr(key, "'"+v+"' is not a positive integer")
			}
			c.maxPoll = int(n)
		case "fetch.max.bytes", "max.partition.fetch.bytes", "fetch.min.bytes", "batch.size", "max.request.size":
			n, err := propInt(key, v)
			if err != nil || n > 1<<31-1 {
				return c, propErr(key, "'"+v+"' is not a 32-bit non-negative integer")
			}
			switch key {
			case "fetch.max.bytes":
				c.consumer = append(c.consumer, kgo.FetchMaxBytes(int32(n)))
			case "max.partition.fetch.bytes":
				c.consumer = append(c.consumer, kgo.FetchMaxPartitionBytes(int32(n)))
			case "fetch.min.bytes":
				c.consumer = append(c.consumer, kgo.FetchMinBytes(int32(n)))
			default:
				c.producer = append(c.producer, kgo.ProducerBatchMaxBytes(int32(n)))
			}
		case "fetch.max.wait.ms", "linger.ms", "request.timeout.ms", "delivery.timeout.ms", "metadata.max.age.ms":
			n, err := propInt(key, v)
			if err != nil {
				return c, err
			}
			d := time.Duration(n) * time.Millisecond
			switch key {
			case "fetch.max.wait.ms":
				c.consumer = append(c.consumer, kgo.FetchMaxWait(d))
			case "linger.ms":
				c.producer = append(c.producer, kgo.ProducerLinger(d))
			case "request.timeout.ms":
				c.producer = append(c.producer, kgo.ProduceRequestTimeout(d))
			case "delivery.timeout.ms": // the sink's outage bound (createSink)
			case "metadata.max.age.ms":
				c.common = append(c.common, kgo.MetadataMaxAge(d))
			}
		case "acks":
			switch v {
			case "all", "-1":
				c.producer = append(c.producer, kgo.RequiredAcks(kgo.AllISRAcks()))
			case "1":
				c.producer = append(c.producer, kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
			case "0":
				c.producer = append(c.producer, kgo.RequiredAcks(kgo.NoAck()), kgo.DisableIdempotentWrite())
			default:
				return c, propErr(key, "'"+v+"' is not one of all, -1, 0, 1")
			}
		case "compression.type":
			var codec kgo.CompressionCodec
			switch strings.ToLower(v) {
			case "none":
				codec = kgo.NoCompression()
			case "gzip":
				codec = kgo.GzipCompression()
			case "snappy":
				codec = kgo.SnappyCompression()
			case "lz4":
				codec = kgo.Lz4Compression()
			case "zstd":
				codec = kgo.ZstdCompression()
			default:
				return c, propErr(key, "'"+v+"' is not one of none, gzip, snappy, lz4, zstd")
			}
			c.producer = append(c.producer, kgo.ProducerBatchCompression(codec))
		case "security.protocol":
			protocol = strings.ToUpper(v)
		case "sasl.mechanism":
			mechanism = strings.ToUpper(v)
		case "sasl.jaas.config":
			jaas = v
		}
	}
	switch protocol {
	case "", "PLAINTEXT", "SASL_PLAINTEXT":
	case "SSL", "SASL_SSL":
		c.common = append(c.common, kgo.DialTLSConfig(&tls.Config{MinVersion: tls.VersionTLS12}))
	default:
		return c, propErr("security.protocol", "'"+protocol+"' is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL")
	}
	if strings.HasPrefix(protocol, "SASL_") {
		user, pass := "", ""
		for _, m := range jaasOption.FindAllStringSubmatch(jaas, -1) {
			switch m[1] {
			case "username":
				user = m[2]
			case "password":
				pass = m[2]
			}
		}
		if user == "" {
			return c, connectors.Errorf("Option 'properties.sasl.jaas.config' must hold username=\"...\" and password=\"...\" for security.protocol %s (the value is not shown).", protocol)
		}
		switch mechanism {
		case "", "PLAIN":
			c.common = append(c.common, kgo.SASL(plain.Auth{User: user, Pass: pass}.AsMechanism()))
		case "SCRAM-SHA-256":
			c.common = append(c.common, kgo.SASL(scram.Auth{User: user, Pass: pass}.AsSha256Mechanism()))
		case "SCRAM-SHA-512":
			c.common = append(c.common, kgo.SASL(scram.Auth{User: user, Pass: pass}.AsSha512Mechanism()))
		default:
			return c, propErr("sasl.mechanism", "'"+mechanism+"' is not one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512")
		}
	}
	return c, nil
}

// nameVersions caps OffsetCommit and OffsetFetch at the last versions that
// name topics (v10 identifies them by topic id only), so standalone commits
// and fetches work from topic names.
func nameVersions() kgo.Opt {
	v := kversion.Stable()
	v.SetMaxKeyVersion(8, 9) // OffsetCommit
	v.SetMaxKeyVersion(9, 9) // OffsetFetch
	return kgo.MaxVersions(v)
}

// newClient creates a franz-go client from the common options and extra.
func (c *clientConfig) newClient(extra ...kgo.Opt) (*kgo.Client, error) {
	o := make([]kgo.Opt, 0, len(c.common)+len(extra))
	o = append(o, c.common...)
	o = append(o, extra...)
	return kgo.NewClient(o...)
}

// isolation is the fetch isolation level.
func (c *clientConfig) isolation() kgo.IsolationLevel {
	if c.readCommitted {
		return kgo.ReadCommitted()
	}
	return kgo.ReadUncommitted()
}
