"""The course's producer (activity 2), as its students wrote it with kafka-python.

Tuples [id, {"idade", "altura", "peso"}] -- id 0..1000, age 10..50, height 100..200 cm, weight
30..100 kg -- from four simultaneous producer threads, with the course's producer settings
(KafkaProducer with a JSON value_serializer). Only what the course typed in the script comes from
the command line here: the bootstrap address, the topic, how many tuples and the seed, so that the
integration test can run it quickly and reproducibly.

    python course_producer.py BOOTSTRAP TOPIC COUNT SEED
"""
import json
import random
import sys
import threading

from kafka import KafkaProducer

bootstrap, topic, count, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
producer = KafkaProducer(bootstrap_servers=bootstrap, value_serializer=lambda v: json.dumps(v).encode('utf-8'))


def produce(thread, how_many):
    rng = random.Random(seed * 10 + thread)
    for _ in range(how_many):
        message = [rng.randint(0, 1000), {"idade": rng.randint(10, 50), "altura": rng.randint(100, 200), "peso": rng.randint(30, 100)}]
        producer.send(topic, message)


threads = [threading.Thread(target=produce, args=(t, count // 4 + (1 if t < count % 4 else 0))) for t in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
producer.flush()
producer.close()
print(count)
