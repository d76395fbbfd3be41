/*
 * fault.c - the catalogue of FAULTS.md: one row a fault, with the rule that
 * detects it.  The rules name facts, so this table is also the contract
 * between the probes and the rest: a probe's facts are documented where it
 * fills them, and used here.
 *
 * Fact families (the probe that owns each prefix):
 *   site.*      paths of the install                   (site.c)
 *   jobconf.*   every key of job.conf, plus .status, .amqp_creds,
 *               .missing_keys                          (probe-jobconf.c)
 *   mycnf.*     .event_scheduler as the option files say (probe-mycnf.c)
 *   jobsh.*     .path, .nohuplog, .console             (probe-jobsh.c)
 *   job.*       .running, .console_log, .console_head  (probe-job.c)
 *   log.*       log signatures: log.ID.count/.new/.age/.last (probe-logs.c)
 *   mysql.* rabbitmq.* redis.*                         (probe-mysql.c, ...)
 *   agent.* gsetask.* license.* cert.* paas.* cmdb.* consul.* ports.* nfs.*
 *                                      (probe-agent.c, probe-gsetask.c, ...)
 * A rule over facts that were not gathered is false: a fault is never
 * reported on evidence jobfix did not see.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "fault.h"
#include "i18n.h"

static const struct fault faults[] = {
	/* §1 Job does not start */
	{ "start.cert", 1, 0, 0, TIER_GSE,
	  N_("certificates do not match (Job, GSE, license server)"),
	  "cert.problem || log.ssl.age < 3600",
	  N_("the certificates in the certificate directory: key against certificate, chain against the CA, expiry; ssl and certificate errors in Job's logs"),
	  N_("Certificates are bound to the MAC addresses of the GSE and license hosts. Check ${cert.problem} and re-issue the certificates from the BlueKing site if they do not match this install."),
	  NULL, 0, NULL },
	{ "start.rabbitmq", 1, 1255001, 0, TIER_BROKER,
	  N_("Job cannot connect to RabbitMQ"),
	  "log.code_1255001.age < 3600 && !rabbitmq.status",
	  N_("code 1255001 in Job's logs; an AMQP connection and login with ijobs.amqp.* (see section 2)"),
	  N_("Job reported 1255001 (RabbitMQ unavailable). Run jobfix with the RabbitMQ probe enabled, or check ijobs.amqp.addresses and that the broker is up."),
	  NULL, 0, NULL },
	{ "start.redis", 1, 1250001, 1250002, TIER_BROKER,
	  N_("Redis connection fails, or Redis memory is full"),
	  "redis.status == 'down' || redis.status == 'auth_failed' || redis.status == 'oom' || log.redis_oom.age < 3600 || log.code_1250001.age < 3600 || log.code_1250002.age < 3600 || redis.probe || redis.unchecked",
	  N_("connect, AUTH and PING to Redis; INFO memory against maxmemory; OOM errors and codes 1250001/1250002 in Job's logs"),
	  N_("Redis: ${redis.error}. Check the Redis address and password keys of job.conf, and that Redis is running; when memory is full, raise maxmemory or free memory."),
	  NULL, 0,
	  "redis.status == 'oom' || log.redis_oom.age < 3600 || log.code_1250002.age < 3600" },
	{ "start.mysql", 1, 1252001, 0, TIER_MYSQL,
	  N_("MySQL connection fails"),
	  "mysql.status == 'down' || mysql.status == 'auth_failed' || (log.code_1252001.age < 3600 && !mysql.status) || mysql.probe || mysql.unchecked",
	  N_("a connection and login to MySQL with Job's database settings; code 1252001 in Job's logs"),
	  N_("MySQL at ${mysql.endpoint}: ${mysql.error}. Check that MySQL runs and that the database keys of job.conf are right (`jobfix facts` shows which keys jobfix read; keys.mysql_* in jobfix.conf map their names)."),
	  NULL, 0, NULL },
	{ "start.credentials", 1, 0, 0, TIER_JOB,
	  N_("an address, user name or password is missing in job.conf"),
	  "jobconf.unchecked || jobconf.missing_keys || jobconf.status == 'missing' || jobconf.status == 'unreadable' || jobconf.status == 'invalid' || mysql.bad_keys || redis.bad_keys",
	  N_("etc/job.conf: readable, and the keys Job needs present and not empty; the MySQL and Redis logins made with them"),
	  N_("{{${site.job_conf} cannot be used: ${jobconf.error}. }}{{The keys ${jobconf.missing_keys} must be present and not empty in ${site.job_conf}. }}{{MySQL refused the login made with ${mysql.bad_keys}: check their values. }}{{Redis refused ${redis.bad_keys}: check its value. }}Change the template too, or `bkcec render job` will undo it."),
	  NULL, 0, NULL },
	{ "start.consul", 1, 0, 0, TIER_OTHER,
	  N_("consul routes wrongly"),
	  "consul.problem || consul.probe",
	  N_("resolv.conf (127.0.0.1 first, no rotate); every *.service.consul name of job.conf resolves, through the system and through consul, to an address where the port answers"),
	  N_("Consul: ${consul.problem}."),
	  NULL, 0, NULL },
	{ "start.port", 1, 0, 0, TIER_JOB,
	  N_("port conflict"),
	  "ports.conflict",
	  N_("ports in job.conf against each other and against the sockets bound on this host, naming the owning process"),
	  N_("Port conflict: ${ports.conflict}."),
	  NULL, 0, NULL },
	{ "start.nolog", 1, 0, 0, TIER_JOB,
	  N_("Job does not start and writes no log"),
	  "(job.running == 'no' || job.unchecked) && log.job.fresh == 'no' && (jobsh.console == 'no' || jobsh.unchecked)",
	  N_("Job's JVM in the process table; the age of job.log; NOHUPLOG in Job's start script"),
	  N_("Job is not running and wrote no log. Set NOHUPLOG=job_jvm_console.log in ${jobsh.path}, restart Job, and read job_jvm_console.log."),
	  "start.mysql,start.redis,wait.rabbitmq.down,start.rabbitmq,start.credentials,start.port", 0, NULL },
	{ "start.license", 1, 1210101, 0, TIER_OTHER,
	  N_("license invalid or license server unreachable"),
	  "license.status == 'down' || license.status == 'tls_failed' || license.status == 'invalid' || log.code_1210101.age < 3600 || license.probe",
	  N_("a TLS connection to the license server and its /certificate health check; code 1210101 in Job's logs"),
	  N_("License server: ${license.error}. Check that license_server runs and that platform.cert is the one issued for this install."),
	  NULL, 0, NULL },

	/* §2 a job stays waiting for execution */
	{ "wait.rabbitmq.down", 2, 1255001, 0, TIER_BROKER,
	  N_("RabbitMQ unreachable"),
	  "rabbitmq.status == 'down' || rabbitmq.probe",
	  N_("a TCP and AMQP connection to every address of ijobs.amqp.addresses"),
	  N_("RabbitMQ at ${rabbitmq.address} does not answer: ${rabbitmq.error}. Start the broker; once it answers, Job must be restarted (playbook job-restart waits a little for the broker, then restarts Job)."),
	  "start.mysql", 0, NULL },
	{ "wait.rabbitmq.creds", 2, 0, 0, TIER_JOB,
	  N_("ijobs.amqp.username/password differ from app.code/app.secret"),
	  "jobconf.amqp_creds == 'mismatch'",
	  N_("ijobs.amqp.username against app.code and ijobs.amqp.password against app.secret in etc/job.conf (they must be equal)"),
	  N_("Set ijobs.amqp.username to app.code and ijobs.amqp.password to app.secret in ${site.job_conf}, then restart Job."),
	  "wait.rabbitmq.down", 0, NULL },
	{ "wait.rabbitmq.vhost", 2, 0, 0, TIER_BROKER,
	  N_("the RabbitMQ account is missing or has no permission on vhost bk_job"),
	  "rabbitmq.status == 'not_allowed' || rabbitmq.status == 'access_refused'",
	  N_("an AMQP login to vhost bk_job with ijobs.amqp.username/password"),
	  N_("RabbitMQ refused ${rabbitmq.user} on vhost ${rabbitmq.vhost}: ${rabbitmq.error}. ${rabbitmq.remedy}"),
	  "wait.rabbitmq.creds,wait.rabbitmq.down", 0, NULL },

	/* §3 redirected to the login page */
	{ "login.paas", 3, 1213001, 1213002, TIER_OTHER,
	  N_("PaaS unreachable, or answering something that is not JSON"),
	  "paas.status == 'down' || paas.status == 'nonjson' || log.code_1213001.age < 3600 || log.code_1213002.age < 3600 || paas.probe",
	  N_("an HTTP request to bk.paas.host: status, content type and a JSON parse of the answer"),
	  N_("PaaS (bk.paas.host = ${jobconf.bk.paas.host}): ${paas.error}. Unreachable or unhealthy is 1213001: check the address and that PaaS runs; an answer that is not JSON is 1213002, usually a gateway or firewall page between Job and PaaS."),
	  NULL, 0,
	  "paas.status == 'nonjson' || log.code_1213002.age < 3600" },
	{ "login.appauth", 3, 0, 0, TIER_OTHER,
	  N_("app.code / app.secret rejected by PaaS"),
	  "paas.status == 'auth_failed'",
	  N_("PaaS's answer to a call authenticated with app.code and app.secret"),
	  N_("PaaS rejects app.code ${jobconf.app.code}: check app.code and app.secret in ${site.job_conf} against the app registered in PaaS."),
	  "login.paas", 0, NULL },

	/* §4 no execution log */
	{ "nolog.partition", 4, 1252001, 0, TIER_MYSQL,
	  N_("MySQL event scheduler off, so Job's log partitions run out"),
	  "mysql.event_scheduler == 'OFF' || (mycnf.event_scheduler != 'ON' && mycnf.event_scheduler != 'DISABLED' && !(mysql.event_scheduler == 'DISABLED') && (log.partition.count > 0 || mysql.event_scheduler == 'ON')) || mycnf.unchecked",
	  N_("\"Table has no partition for value\" in error.log; @@event_scheduler of the running server; event_scheduler in my.cnf and its includes"),
	  N_("Set event_scheduler=ON under [mysqld] in ${site.mycnf} and run SET GLOBAL event_scheduler = ON (playbook mysql-event-scheduler)."),
	  NULL, 0, NULL },
	{ "nolog.scheduler-disabled", 4, 1252001, 0, TIER_MYSQL,
	  N_("event_scheduler=DISABLED in the option files"),
	  "mysql.event_scheduler == 'DISABLED' || mycnf.event_scheduler == 'DISABLED'",
	  N_("@@event_scheduler of the running server; event_scheduler in my.cnf and its includes"),
	  N_("DISABLED can only be changed in the option file and a restart of MySQL: set event_scheduler=ON in ${site.mycnf}, then restart MySQL at a quiet moment."),
	  NULL, 0, NULL },
	{ "nolog.events-missing", 4, 0, 0, TIER_MYSQL,
	  N_("the event scheduler is on but Job's partition events are gone"),
	  "mysql.event_scheduler == 'ON' && mysql.events.count == 0",
	  N_("rows for Job's schema in information_schema.EVENTS"),
	  N_("Job's events are missing (a dump restored without --events?). Restore them from Job's SQL scripts or a dump made with --events."),
	  "start.mysql", 0, NULL },
	{ "nolog.headroom", 4, 0, 0, TIER_MYSQL,
	  N_("Job's log partitions will run out soon"),
	  "mysql.headroom_days < 3",
	  N_("the highest RANGE partition bound per table of the Job log schema in information_schema.PARTITIONS"),
	  N_("Only ${mysql.headroom_days} days of partitions are left in ${mysql.headroom_table}: check that the event scheduler runs Job's events."),
	  "nolog.partition,nolog.scheduler-disabled,nolog.events-missing", 1, NULL },

	/* §5 long run and no log */
	{ "gse.pipeline", 5, 0, 0, TIER_GSE,
	  N_("GSE pipeline or agent not reporting"),
	  "log.redis_not_string.age < 3600 || log.result_log_always.age < 3600 || gsetask.missing_procs",
	  N_("repeated \"redis reply is not string\" and \"Execution result log always\" in job.log; where GSE runs on this host, its processes (setting gse.processes)"),
	  N_("Job gets no execution log from GSE: check the GSE services (not running here: ${gsetask.missing_procs}), and restart the agent on the affected hosts (playbook gse-agent-restart)."),
	  "gse.task.down,gse.task.addr,gse.task.tls", 0, NULL },

	/* §6 script log timed out */
	{ "timeout.script", 6, 0, 0, TIER_OTHER,
	  N_("the user's script is slower than its timeout"),
	  "log.script_timeout.class == 'script' && log.script_timeout.age < 3600",
	  N_("\"Script log timed out\" in Job's logs, with the time the script ran against its timeout"),
	  N_("The script ran up to its timeout: make it faster or raise its timeout."),
	  NULL, 1, NULL },
	{ "timeout.agent", 6, 0, 0, TIER_GSE,
	  /* xgettext:no-c-format */ N_("the agent stopped answering, Job gave up after its 20% grace"),
	  "log.script_timeout.class == 'agent' && log.script_timeout.age < 3600",
	  /* xgettext:no-c-format */ N_("\"Script log timed out\" in Job's logs, ended at 120% or more of the timeout"),
	  N_("The agent stopped answering: restart the GSE agent (playbook gse-agent-restart) and retry."),
	  "gse.task.down,gse.task.addr,gse.task.tls", 0, NULL },

	/* §7 Job cannot connect to GSE */
	{ "gse.task.down", 7, 1210001, 0, TIER_GSE,
	  N_("gse_task not listening on its port for Job"),
	  "gsetask.status == 'down' || gsetask.probe",
	  N_("a TCP connection to gse.taskserver.ip on the gse_task port (48669)"),
	  N_("gse_task at ${gsetask.address} (gse.taskserver.ip in ${site.job_conf}) does not answer: ${gsetask.error}. Restart gse_task with `gsectl restart task` on the GSE host; where GSE runs on this host, playbook gse-task-restart does it and checks the port and the handshake."),
	  NULL, 0, NULL },
	{ "gse.task.addr", 7, 1210001, 0, TIER_GSE,
	  N_("gse.taskserver.ip unreachable"),
	  "gsetask.status == 'unreachable' || gsetask.status == 'unresolved'",
	  N_("resolving and connecting to gse.taskserver.ip"),
	  N_("gse.taskserver.ip in ${site.job_conf} (${jobconf.gse.taskserver.ip}) cannot be reached: ${gsetask.error}."),
	  NULL, 0, NULL },
	{ "gse.task.tls", 7, 1210001, 0, TIER_GSE,
	  N_("TLS handshake with gse_task fails"),
	  "gsetask.status == 'tls_failed'",
	  N_("a TLS handshake with Job's client certificate against gse_task"),
	  N_("TLS to gse_task failed: ${gsetask.error}. Check that Job's and GSE's certificates come from the same CA."),
	  NULL, 0, NULL },

	/* §8 Job cannot find the agent */
	{ "agent.down", 8, 0, 0, TIER_GSE,
	  N_("the GSE agent is not running"),
	  "agent.procs_ok == 'no' || agent.probe",
	  N_("gse_agent processes in the process table (agent.process_pattern; a healthy 1.x agent runs agent.processes = 2)"),
	  N_("The GSE agent runs ${agent.procs} of ${agent.procs_expected} processes: restart it (playbook gse-agent-restart, or gsectl restart)."),
	  NULL, 0, NULL },
	{ "agent.link", 8, 0, 0, TIER_GSE,
	  N_("no connection from the agent to gse_task"),
	  "agent.procs_ok == 'yes' && agent.link == 'no'",
	  N_("an ESTABLISHED TCP connection to a taskserver address of agent.conf on the agent port (agent.port, 48533)"),
	  N_("The agent runs but has no connection to gse_task (${agent.taskserver}): restart it (playbook gse-agent-restart); if that does not bring the link back, check gse_task and the path to it."),
	  "gse.task.down,gse.task.addr,gse.task.tls,agent.tls,agent.cloud", 0, NULL },
	{ "agent.tls", 8, 0, 0, TIER_GSE,
	  N_("the agent's certificate does not match gse_task's"),
	  "cert.agent_problem",
	  N_("the agent certificate against the GSE CA"),
	  N_("Agent certificate: ${cert.agent_problem}. Reinstall the agent with this install's certificates."),
	  NULL, 0, NULL },
	{ "agent.cloud", 8, 0, 0, TIER_GSE,
	  N_("cloud area ID mismatch"),
	  "agent.cloudid_match == 'no'",
	  N_("cloudid in the agent's agent.conf against the expected cloud area"),
	  N_("The agent is in cloud area ${agent.cloudid}, expected ${agent.cloudid_expected}: reinstall it in the right cloud area."),
	  NULL, 0, NULL },

	/* §9 codes without a section of their own */
	{ "nfs.down", 9, 1259001, 0, TIER_OTHER,
	  N_("NFS storage unavailable"),
	  "nfs.status == 'not_mounted' || nfs.status == 'not_writable' || log.code_1259001.age < 3600",
	  N_("the storage path: a mounted NFS file system, writable"),
	  N_("Job's storage ${nfs.path}: ${nfs.error}."),
	  NULL, 0, NULL },
	{ "cmdb.down", 9, 1211001, 0, TIER_OTHER,
	  N_("CMDB unreachable"),
	  "cmdb.status == 'down' || log.code_1211001.age < 3600 || cmdb.probe",
	  N_("an HTTP request to CMDB"),
	  N_("CMDB: ${cmdb.error}. Check the CMDB address Job uses."),
	  NULL, 0, NULL },
	{ "cmdb.nonjson", 9, 1211002, 0, TIER_OTHER,
	  N_("CMDB answers something that is not JSON"),
	  "cmdb.status == 'nonjson' || log.code_1211002.age < 3600",
	  N_("status, content type and a JSON parse of CMDB's answer"),
	  N_("CMDB answered ${cmdb.error}: usually a gateway or firewall page in between."),
	  NULL, 0, NULL },
	{ "cmdb.gitmodule", 9, 1211121, 0, TIER_OTHER,
	  N_("the Git module of the BlueKing business has no IP"),
	  "log.code_1211121.age < 3600",
	  N_("code 1211121 in Job's logs"),
	  N_("Add a host to the Git module of the BlueKing business in CMDB (package management needs it)."),
	  NULL, 0, NULL },
};

static const struct errcode codes[] = {
	{ 1210001, "JOB -> GSE", N_("GSE TaskServer unavailable"), "GSE TaskServer 不可用" },
	{ 1210101, "JOB -> GSE", N_("certificate (license) service unavailable; check license_server"), "当前证书服务不可用，请检查license_server！" },
	{ 1250001, "JOB -> Redis", N_("Redis unavailable: wrong IP or configuration"), "Redis服务不可：IP不对或者配置错误" },
	{ 1250002, "JOB -> Redis", N_("Redis out of memory or similar"), "Redis服务内存满或者其他问题：内存不足" },
	{ 1259001, "JOB -> NFS", N_("NFS storage unavailable"), "NFS存储不可用" },
	{ 1252001, "JOB -> MySQL", N_("database error"), "数据库异常" },
	{ 1255001, "JOB -> MQ", N_("RabbitMQ unavailable or unreachable"), "Rabbit MQ不可用或者连接不上" },
	{ 1211001, "JOB -> CMDB", N_("CMDB unreachable: address misconfigured"), "CMDB服务状态不可达：地址配置错误" },
	{ 1211002, "JOB -> CMDB", N_("CMDB answers a malformed structure, usually a gateway/firewall redirect that is not JSON"), "CMDB接口返回数据结构异常。一般是被网关防火墙重定向返回非JSON协议内容" },
	{ 1211121, "JOB -> CMDB", N_("the Git module of the BlueKing business has no IP (package management)"), "蓝鲸业务下的Git模块没有IP（包管理）" },
	{ 1213001, "JOB -> PaaS", N_("PaaS unreachable: address wrong or does not resolve"), "PAAS服务不可达 - 地址配置错误或者地址无法正确解析" },
	{ 1213002, "JOB -> PaaS", N_("PaaS answers a malformed structure, usually a gateway/firewall redirect that is not JSON"), "PaaS接口返回数据结构异常。一般是被网关防火墙重定向返回非JSON协议内容" },
};

const struct fault *
fault_table(size_t *n)
{
	*n = sizeof faults / sizeof faults[0];
	return faults;
}

const struct fault *
fault_find(const char *id)
{
	size_t i;

	for (i = 0; i < sizeof faults / sizeof faults[0]; i++)
		if (strcmp(faults[i].id, id) == 0)
			return &faults[i];
	return NULL;
}

const struct errcode *
errcode_table(size_t *n)
{
	*n = sizeof codes / sizeof codes[0];
	return codes;
}

const struct errcode *
errcode_find(long code)
{
	size_t i;

	for (i = 0; i < sizeof codes / sizeof codes[0]; i++)
		if (codes[i].code == code)
			return &codes[i];
	return NULL;
}
